import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { createCache } from '@redlayer/cache'
import {
  type CreateRedisOverrides,
  createRedis,
  loadRedisConfig,
  type RedisClient,
} from '@redlayer/connection'
import { defineKeyspace } from '@redlayer/keyspace'
import { createLockManager } from '@redlayer/lock'
import { createRateLimiter } from '@redlayer/ratelimit'
import { createRedisGuard, isRedisUnavailableError, type RedisGuard } from '@redlayer/resilience'
import { createSessionStore } from '@redlayer/session'
import type { CallOutcome } from '@redlayer/testkit'

export const PACKAGES = ['cache', 'ratelimit', 'lock', 'session'] as const
export type PackageName = (typeof PACKAGES)[number]

/** What a workload found once the fault was over. */
export interface Verdict {
  /** Results that contradict what the package promises whatever Redis does (must be 0). */
  readonly wrong: number
  /** Acknowledged writes that are gone: sessions' appended events, a lock granted twice, tokens handed out again. */
  readonly lost: number | undefined
}

/**
 * One data package driven by a few callers, with an oracle: every call says whether Redis served
 * it (`ok`), the package answered without it (`degraded`) or it threw (`failed`), and `verify()`
 * counts wrong results and lost acknowledged writes after the fault.
 */
export interface Workload extends AsyncDisposable {
  readonly name: PackageName
  readonly client: RedisClient
  readonly guard: RedisGuard
  call(caller: number, iteration: number): Promise<CallOutcome>
  verify(): Promise<Verdict>
}

/** The keyspace an application would declare for the four packages (ADR-0011). */
function chaosKeyspace() {
  return defineKeyspace({
    prefix: `chaos${randomBytes(4).toString('hex')}`,
    namespaces: {
      entity: {
        prefix: 'entity',
        description: 'entity cache',
        ttl: { default: '1m', min: '1s', max: '1h' },
        flushClass: 'safe',
        whenRedisDown: 'bypass',
      },
      ratelimit: {
        prefix: 'ratelimit',
        description: 'token buckets',
        ttl: { default: '1h', min: '1s', max: '24h' },
        flushClass: 'disruptive',
        whenRedisDown: 'fail-open',
      },
      lock: {
        prefix: 'lock',
        description: 'locks and fences',
        ttl: { default: '2s', min: '100ms', max: '1m' },
        flushClass: 'forbidden',
        whenRedisDown: 'fail-closed',
      },
      session: {
        prefix: 'session',
        description: 'chat sessions',
        ttl: { default: '10m', min: '1s', max: '1h', mode: 'sliding' },
        flushClass: 'disruptive',
        whenRedisDown: 'fail-closed',
      },
    },
  })
}

type ChaosKeyspace = ReturnType<typeof chaosKeyspace>

interface Base {
  readonly client: RedisClient
  readonly guard: RedisGuard
  /** What every package is created with, for one of the keyspace's namespaces. */
  of<N extends 'entity' | 'ratelimit' | 'lock' | 'session'>(
    namespace: N,
  ): {
    redis: RedisClient
    keyspace: ChaosKeyspace
    namespace: N
    guard: RedisGuard
  }
  /** Disposes the guard and closes the client (after the package itself was closed). */
  close(): Promise<void>
}

/** A client and guard of their own per workload: a stuck client is counted per package. */
function base(env: Record<string, string>, overrides: CreateRedisOverrides): Base {
  const client = createRedis(loadRedisConfig({ ...env, REDIS_COMMAND_TIMEOUT_MS: '300' }), {
    connectionName: 'chaos',
    ...overrides,
  })
  client.on('error', () => undefined) // the faults are reported per call
  const guard = createRedisGuard({ redis: client, resetTimeout: 300 })
  const keyspace = chaosKeyspace()
  return {
    client,
    guard,
    of: (namespace) => ({ redis: client, keyspace, namespace, guard }),
    async close() {
      await guard[Symbol.asyncDispose]()
      client.disconnect()
    },
  }
}

/** Degraded when the call ran with the breaker not closed (the package answered without Redis). */
const degradedUnlessClosed = (guard: RedisGuard): CallOutcome =>
  guard.state === 'closed' ? 'ok' : 'degraded'

/**
 * The cache, bypass on outage: a source of truth in memory, one caller invalidating (its version
 * goes up, then `delete`), the others reading through `getOrSet`. Wrong: a read that started after
 * an acknowledged invalidation of version v returned an older one.
 */
function cacheWorkload(b: Base): Workload {
  const cache = createCache({ ...b.of('entity'), ttl: '1m' })
  const ids = Array.from({ length: 8 }, (_, index) => `item:${index}`)
  const source = new Map(ids.map((id) => [id, 1]))
  const acknowledged = new Map<string, number>()
  let wrong = 0
  return {
    name: 'cache',
    client: b.client,
    guard: b.guard,
    async call(caller, iteration) {
      if (caller === 0 && iteration % 3 === 0) {
        const id = ids[(iteration / 3) % ids.length] as string
        const version = (source.get(id) ?? 0) + 1
        source.set(id, version)
        const { applied: landed } = await cache.delete(id)
        if (landed) acknowledged.set(id, Math.max(acknowledged.get(id) ?? 0, version))
        return landed ? 'ok' : 'degraded'
      }
      const id = ids[(caller * 7 + iteration) % ids.length] as string
      const floor = acknowledged.get(id) ?? 0
      const value = await cache.getOrSet(id, async () => source.get(id) ?? 0)
      if (value < floor) wrong++
      return degradedUnlessClosed(b.guard)
    },
    async verify() {
      return { wrong, lost: undefined }
    },
    async [Symbol.asyncDispose]() {
      await cache.close()
      await b.close()
    },
  }
}

const BUCKET = { capacity: 20, tokensPerSecond: 20 }

/**
 * The limiter, fail-open: one subject, a bucket of 20 refilled at 20 a second. Admissions Redis
 * decided (not degraded) never exceed what the bucket allows over the run; an excess is wrong
 * where the fault keeps the data, and counted as tokens handed out again where it loses it.
 */
function rateLimitWorkload(b: Base, keepsData: boolean): Workload {
  const limiter = createRateLimiter({
    ...b.of('ratelimit'),
    name: 'chaos',
    onRedisDown: 'fail-open',
    limits: {
      name: 'burst',
      capacity: BUCKET.capacity,
      refill: { tokens: BUCKET.tokensPerSecond, interval: '1s' },
    },
  })
  const started = performance.now()
  let admitted = 0
  return {
    name: 'ratelimit',
    client: b.client,
    guard: b.guard,
    async call() {
      const result = await limiter.consume('subject')
      if (result.degraded !== false) return 'degraded'
      if (result.allowed) admitted++
      return 'ok'
    },
    async verify() {
      const seconds = (performance.now() - started) / 1000
      // +1: the refill is continuous, the last token may be whole a moment before the count ends.
      const allowed = BUCKET.capacity + Math.ceil(BUCKET.tokensPerSecond * seconds) + 1
      const excess = Math.max(0, admitted - allowed)
      return keepsData ? { wrong: excess, lost: 0 } : { wrong: 0, lost: excess }
    },
    async [Symbol.asyncDispose]() {
      await limiter[Symbol.asyncDispose]()
      await b.close()
    },
  }
}

const LEASE_MS = 2_000

/**
 * Locks: every caller takes one mutex in turn and writes to a fenced resource. Wrong: a fence not
 * above every fence granted before it (fences must never go backwards, ADR-0030). Lost: the lock
 * granted while another holder's lease was still running (a failover can do that, ADR-0030).
 */
function lockWorkload(b: Base): Workload {
  const locks = createLockManager(b.of('lock'))
  let highest = 0n
  let wrong = 0
  let overlaps = 0
  // The last holder whose lease may still run (this process's view, from the grant's reply).
  let holder: { until: number } | undefined
  return {
    name: 'lock',
    client: b.client,
    guard: b.guard,
    async call() {
      // The lease surely runs until `asked + ttl`: Redis started it after this instant.
      const asked = performance.now()
      const lock = await locks.tryAcquire('ledger', { ttl: LEASE_MS, wait: 100 })
      if (lock === null) return 'ok' // contended: an expected outcome
      if (holder !== undefined && holder.until > performance.now()) overlaps++
      if (lock.fence <= highest) wrong++
      else highest = lock.fence
      const mine = { until: asked + LEASE_MS }
      holder = mine
      await sleep(5) // the work under the lock
      // A release Redis refused (or never got) leaves the lease to end by itself: until then it
      // still counts. One whose outcome is unknown (it timed out, or the connection broke with it
      // in flight) may have been applied: the next grant cannot be called a second holder.
      const released = await lock.release().then(
        (result) => result.released,
        (error: unknown) => isRedisUnavailableError(error) && error.details.outcome === 'unknown',
      )
      if (released && holder === mine) holder = undefined
      return 'ok'
    },
    async verify() {
      return { wrong, lost: overlaps }
    },
    async [Symbol.asyncDispose]() {
      await locks.close()
      await b.close()
    },
  }
}

/**
 * Sessions: each caller appends events with ids of its own to its session. Wrong: an event id
 * twice, or an event nobody sent. Lost: an event acknowledged as appended that is not there after
 * the fault (a session that vanished loses all of them; its caller starts a new one).
 */
function sessionWorkload(b: Base): Workload {
  const store = createSessionStore(b.of('session'))
  const sessions = new Map<number, Promise<string>>()
  const sent = new Set<string>()
  const acknowledged = new Map<string, Set<string>>()
  const sessionOf = (caller: number) => {
    let id = sessions.get(caller)
    if (id === undefined) {
      id = store.create({ appName: 'chaos', userId: `user-${caller}` }).then((session) => session.id)
      id.catch(() => sessions.delete(caller)) // retried on the next call
      sessions.set(caller, id)
    }
    return id
  }
  return {
    name: 'session',
    client: b.client,
    guard: b.guard,
    async call(caller, iteration) {
      const id = await sessionOf(caller)
      const eventId = `c${caller}-${iteration}`
      sent.add(eventId)
      const result = await store.appendEvent(id, { id: eventId, type: 'chaos' })
      if (result.status === 'appended') {
        const ids = acknowledged.get(id) ?? new Set<string>()
        acknowledged.set(id, ids.add(eventId))
      } else if (result.status === 'not-found') {
        // The session is gone (a restart without persistence, an eviction, a failover's loss):
        // an honest answer. The user starts a new one; what it had acknowledged counts as lost.
        sessions.delete(caller)
      } else if (result.status !== 'duplicate') {
        throw new Error(`append ${result.status}`)
      }
      return 'ok'
    },
    async verify() {
      let wrong = 0
      let lost = 0
      for (const [id, ids] of acknowledged) {
        const session = await store.get(id, { events: 'all' })
        const stored = session?.events.map((event) => event.id) ?? []
        wrong += stored.length - new Set(stored).size
        wrong += stored.filter((eventId) => !sent.has(eventId)).length
        const present = new Set(stored)
        for (const eventId of ids) if (!present.has(eventId)) lost++
      }
      return { wrong, lost }
    },
    async [Symbol.asyncDispose]() {
      await b.close()
    },
  }
}

/** The four workloads on one topology's env. */
export function startWorkloads(
  env: Record<string, string>,
  keepsData: boolean,
  overrides: CreateRedisOverrides = {},
): Workload[] {
  return [
    cacheWorkload(base(env, overrides)),
    rateLimitWorkload(base(env, overrides), keepsData),
    lockWorkload(base(env, overrides)),
    sessionWorkload(base(env, overrides)),
  ]
}
