import { performance } from 'node:perf_hooks'
import {
  type CacheLookupMessage,
  redlayerChannels as channels,
  traced,
} from '@redlayer/connection/diagnostics'

/**
 * What one cache namespace publishes on redlayer's diagnostics channels (ADR-0005): hits by tier,
 * misses, stale values served, loader runs, skipped writes, bus traffic and queued invalidations.
 * Nothing is built for a channel nobody listens to.
 */
export class CacheEvents {
  readonly namespace: string
  // The messages of one hit or one miss, built once (messages are read-only): a hit allocates nothing.
  readonly #one: Readonly<Record<'l1' | 'redis' | 'miss', CacheLookupMessage>>

  constructor(namespace: string) {
    this.namespace = namespace
    this.#one = {
      l1: Object.freeze({ namespace, result: 'hit', tier: 'l1', count: 1 }),
      redis: Object.freeze({ namespace, result: 'hit', tier: 'redis', count: 1 }),
      miss: Object.freeze({ namespace, result: 'miss', count: 1 }),
    }
  }

  hit(tier: 'l1' | 'redis', count = 1): void {
    if (channels.cacheLookup.hasSubscribers) {
      channels.cacheLookup.publish(
        count === 1 ? this.#one[tier] : { namespace: this.namespace, result: 'hit', tier, count },
      )
    }
  }

  miss(count = 1): void {
    if (channels.cacheLookup.hasSubscribers) {
      channels.cacheLookup.publish(
        count === 1 ? this.#one.miss : { namespace: this.namespace, result: 'miss', count },
      )
    }
  }

  stale(reason: string, count = 1): void {
    if (channels.cacheLookup.hasSubscribers) {
      channels.cacheLookup.publish({ namespace: this.namespace, result: 'stale', reason, count })
    }
  }

  writesSkipped(count: number): void {
    if (channels.cacheWriteSkipped.hasSubscribers) {
      channels.cacheWriteSkipped.publish({ namespace: this.namespace, count })
    }
  }

  bus(direction: 'in' | 'out'): void {
    if (channels.cacheBus.hasSubscribers) channels.cacheBus.publish({ namespace: this.namespace, direction })
  }

  pendingInvalidations(pending: number): void {
    if (channels.cachePendingInvalidations.hasSubscribers) {
      channels.cachePendingInvalidations.publish({ namespace: this.namespace, pending })
    }
  }

  /** Runs a loader for `ids` ids inside the `redlayer:cache.load` trace, with its duration. */
  load<T>(ids: number, loader: () => Promise<T>): Promise<T> {
    return traced(
      channels.cacheLoad,
      () => ({ namespace: this.namespace, ids }),
      (trace) => {
        if (trace === undefined) return loader()
        const started = performance.now()
        const timed = () => {
          trace.durationMs = performance.now() - started
        }
        return loader().then(
          (value) => {
            timed()
            return value
          },
          (error: unknown) => {
            timed()
            throw error
          },
        )
      },
    )
  }
}
