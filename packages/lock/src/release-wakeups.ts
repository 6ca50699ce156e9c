import { duplicateForBlocking, type RedisClient } from '@redlayer/connection'

/** A waiter's registration on some release channels. */
export interface ReleaseWatch extends Disposable {
  /** Resolves once the channels are subscribed, or once subscribing failed (it never rejects). */
  readonly ready: Promise<void>
}

/**
 * The pub/sub side of the hand-off (ADR-0030): one subscriber connection per lock manager,
 * separate from the shared command connection (a subscribed connection can send nothing else),
 * created on the first contended acquisition. A channel stays subscribed while someone waits on
 * it. Plain PUBLISH/SUBSCRIBE reaches every node of a Cluster, so this works on every topology.
 * It is only an accelerator: a lost message or a subscriber that is down costs a backoff step.
 */
export class ReleaseWakeups {
  readonly #redis: RedisClient
  readonly #onError: (error: unknown) => void
  readonly #waiters = new Map<string, Set<() => void>>()
  /** Each watched channel's SUBSCRIBE, settled once it is in place (or failed). */
  readonly #subscribed = new Map<string, Promise<void>>()
  #subscriber: RedisClient | undefined
  #closed = false

  constructor(redis: RedisClient, onError: (error: unknown) => void) {
    this.#redis = redis
    this.#onError = onError
  }

  /** Calls `wake` whenever a release is published on one of `channels`, until disposed. */
  watch(channels: readonly string[], wake: () => void): ReleaseWatch {
    const fresh: string[] = []
    for (const channel of channels) {
      let set = this.#waiters.get(channel)
      if (set === undefined) {
        set = new Set()
        this.#waiters.set(channel, set)
        fresh.push(channel)
      }
      set.add(wake)
    }
    if (fresh.length > 0 && !this.#closed) {
      const subscribing = this.#subscribe(fresh)
      for (const channel of fresh) this.#subscribed.set(channel, subscribing)
    }
    // A waiter joining a channel whose SUBSCRIBE is still in flight waits for that one too.
    const ready = Promise.all(channels.map((channel) => this.#subscribed.get(channel))).then(() => undefined)
    return {
      ready,
      [Symbol.dispose]: () => {
        const idle: string[] = []
        for (const channel of channels) {
          const set = this.#waiters.get(channel)
          if (set === undefined) continue
          set.delete(wake)
          if (set.size === 0) {
            this.#waiters.delete(channel)
            this.#subscribed.delete(channel)
            idle.push(channel)
          }
        }
        if (idle.length > 0 && this.#subscriber !== undefined && !this.#closed) {
          this.#subscriber.unsubscribe(...idle).catch(this.#onError)
        }
      },
    }
  }

  /** Closes the subscriber connection. */
  close(): void {
    this.#closed = true
    const subscriber = this.#subscriber
    this.#subscriber = undefined
    // disconnect, not quit: a subscriber has nothing to flush, and on Sentinel quit() can leave
    // the failover detector's sentinel connections open, keeping the process alive.
    subscriber?.disconnect()
  }

  async #subscribe(channels: string[]): Promise<void> {
    try {
      await this.#connection().subscribe(...channels)
    } catch (error) {
      this.#onError(error)
    }
  }

  #connection(): RedisClient {
    if (this.#subscriber !== undefined) return this.#subscriber
    const subscriber = duplicateForBlocking(this.#redis, 'redlayer:lock-wakeups')
    subscriber.on('error', this.#onError)
    subscriber.on('message', (channel: string) => {
      for (const wake of this.#waiters.get(channel) ?? []) wake()
    })
    this.#subscriber = subscriber
    return subscriber
  }
}
