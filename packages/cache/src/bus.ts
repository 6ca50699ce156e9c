import type { RedisClient } from '@redlayer/connection'
import type { Cluster, Redis } from 'ioredis'

/** What one process tells the others about a namespace (ADR-0020). */
export type BusMessage =
  /** These keys changed (written or deleted): drop them from L1, wake single-flight waiters. */
  | { readonly type: 'keys'; readonly keys: readonly string[] }
  | { readonly type: 'tags'; readonly tags: readonly string[] }
  | { readonly type: 'clear' }

export interface BusHandlers {
  onMessage(message: BusMessage): void
  /** The subscription was (re)established after a gap: messages may have been missed. */
  onResubscribed(): void
}

interface Envelope {
  /** Origin: the sending cache instance, which ignores its own messages. */
  o: string
  m: BusMessage
}

const RECONNECT_DELAY_MS = 100
/** On Cluster, reconnect attempts to one node before the bus moves to another node. */
const ATTEMPTS_PER_NODE = 3

/**
 * The subscriber side of the bus (ADR-0020): its own connection (a subscribed connection cannot
 * send ordinary commands), subscribed to the namespace channel. Publishing goes through the main
 * connection and the guard, in the cache.
 *
 * Standalone and Sentinel: a duplicate of the caller's client (it follows a Sentinel failover).
 * Cluster: a plain connection to one node, since classic PUBLISH reaches every node of a cluster;
 * ioredis' own cluster subscriber moves between nodes without telling anyone, and every move is
 * a gap in which messages are lost, so the bus manages the connection itself: after a few failed
 * reconnects it moves to another node, and every new subscription after the first one is reported
 * as a gap (`onResubscribed`: L1 is dropped).
 */
export class CacheBus implements AsyncDisposable {
  readonly #redis: RedisClient
  readonly #channel: string
  readonly #origin: string
  readonly #handlers: BusHandlers
  readonly #readyWaiters = new Set<() => void>()
  #subscriber: Redis | undefined
  #retryTimer: NodeJS.Timeout | undefined
  #subscribed = false
  #everSubscribed = false
  #closed = false

  constructor(redis: RedisClient, channel: string, origin: string, handlers: BusHandlers) {
    this.#redis = redis
    this.#channel = channel
    this.#origin = origin
    this.#handlers = handlers
    this.#connect()
  }

  /** True while the subscription is live: only then may L1 serve fresh values (ADR-0020). */
  get subscribed(): boolean {
    return this.#subscribed
  }

  encode(message: BusMessage): string {
    return JSON.stringify({ o: this.#origin, m: message } satisfies Envelope)
  }

  /** Resolves once subscribed (or closed); rejects when the signal aborts first. */
  ready(signal?: AbortSignal): Promise<void> {
    if (this.#subscribed || this.#closed) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      signal?.throwIfAborted()
      const onAbort = () => {
        this.#readyWaiters.delete(done)
        reject(signal?.reason)
      }
      const done = () => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#readyWaiters.add(done)
    })
  }

  #connect(): void {
    if (this.#closed) return
    const subscriber = this.#createSubscriber()
    if (subscriber === undefined) {
      // A cluster client that has not discovered its nodes yet.
      this.#retryLater()
      return
    }
    this.#subscriber = subscriber
    subscriber.on('message', (channel: string, text: string) => this.#receive(channel, text))
    subscriber.on('error', () => {
      // Reconnection is handled below; a gap is reported when the subscription comes back.
    })
    subscriber.on('close', () => {
      if (this.#subscriber === subscriber) this.#subscribed = false
    })
    subscriber.on('ready', () => {
      if (this.#subscriber === subscriber && this.#everSubscribed && !this.#subscribed) {
        void this.#subscribe(subscriber)
      }
    })
    subscriber.on('end', () => {
      if (this.#subscriber !== subscriber) return
      this.#subscribed = false
      this.#retryLater()
    })
    void this.#subscribe(subscriber)
  }

  #createSubscriber(): Redis | undefined {
    if (!this.#redis.isCluster) {
      return (this.#redis as Redis).duplicate({ enableOfflineQueue: true, autoResubscribe: true })
    }
    const nodes = (this.#redis as Cluster).nodes('all')
    const node = nodes[Math.floor(Math.random() * nodes.length)]
    return node?.duplicate({
      enableOfflineQueue: true,
      autoResubscribe: true,
      lazyConnect: false,
      retryStrategy: (attempt: number) => (attempt > ATTEMPTS_PER_NODE ? null : attempt * RECONNECT_DELAY_MS),
    })
  }

  #retryLater(): void {
    if (this.#closed || this.#retryTimer !== undefined) return
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined
      this.#connect()
    }, RECONNECT_DELAY_MS)
    this.#retryTimer.unref()
  }

  async #subscribe(subscriber: Redis): Promise<void> {
    try {
      await subscriber.subscribe(this.#channel)
    } catch {
      return // retried on the next 'ready', or on a new connection after 'end'
    }
    if (this.#closed || this.#subscriber !== subscriber || this.#subscribed) return
    const resubscribed = this.#everSubscribed
    this.#subscribed = true
    this.#everSubscribed = true
    // ADR-0020: any gap in the subscription may have lost invalidations: L1 is dropped.
    if (resubscribed) this.#handlers.onResubscribed()
    for (const done of this.#readyWaiters) done()
    this.#readyWaiters.clear()
  }

  #receive(channel: string, text: string): void {
    if (channel !== this.#channel) return
    let envelope: Envelope
    try {
      envelope = JSON.parse(text) as Envelope
    } catch {
      return
    }
    if (envelope.o === this.#origin || typeof envelope.m !== 'object' || envelope.m === null) return
    this.#handlers.onMessage(envelope.m)
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#subscribed = false
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer)
    this.#subscriber?.disconnect()
    for (const done of this.#readyWaiters) done()
    this.#readyWaiters.clear()
  }
}
