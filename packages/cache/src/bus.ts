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

/**
 * The subscriber side of the bus: a duplicate of the caller's connection (a subscribed connection
 * cannot send ordinary commands), subscribed to the namespace channel. Publishing goes through
 * the main connection and the guard, in the cache.
 */
export class CacheBus implements AsyncDisposable {
  readonly #subscriber: RedisClient
  readonly #channel: string
  readonly #origin: string
  readonly #handlers: BusHandlers
  #subscribed = false
  #everSubscribed = false
  #closed = false
  readonly #readyWaiters = new Set<() => void>()

  constructor(redis: RedisClient, channel: string, origin: string, handlers: BusHandlers) {
    this.#channel = channel
    this.#origin = origin
    this.#handlers = handlers
    // The subscriber may queue its SUBSCRIBE until connected (the main connection fails fast
    // instead) and resubscribes by itself after a reconnect.
    this.#subscriber = redis.isCluster
      ? (redis as Cluster).duplicate(undefined, { enableOfflineQueue: true })
      : (redis as Redis).duplicate({ enableOfflineQueue: true, autoResubscribe: true })
    this.#subscriber.on('message', (channel: string, text: string) => this.#receive(channel, text))
    this.#subscriber.on('error', () => {
      // Reconnection is automatic; the subscription gap is handled on 'ready' below.
    })
    this.#subscriber.on('close', () => {
      this.#subscribed = false
    })
    this.#subscriber.on('ready', () => {
      if (this.#everSubscribed && !this.#subscribed) void this.#subscribe()
    })
    void this.#subscribe()
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

  #wakeReadyWaiters(): void {
    for (const done of this.#readyWaiters) done()
    this.#readyWaiters.clear()
  }

  async #subscribe(): Promise<void> {
    if (this.#closed) return
    try {
      await this.#subscriber.subscribe(this.#channel)
    } catch {
      return // retried on the next 'ready'
    }
    if (this.#closed) return
    const resubscribed = this.#everSubscribed
    this.#subscribed = true
    this.#everSubscribed = true
    // ADR-0020: any gap in the subscription may have lost invalidations: L1 is dropped.
    if (resubscribed) this.#handlers.onResubscribed()
    this.#wakeReadyWaiters()
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
    this.#subscriber.disconnect()
    this.#wakeReadyWaiters()
  }
}
