import { isRedlayerError } from '@redlayer/connection'
import {
  type LockAcquireContext,
  type LockLeaseMessage,
  redlayerChannels,
  traced,
} from '@redlayer/connection/diagnostics'
import { isRedisUnavailableError } from '@redlayer/resilience'
import { type Attempt, acquireLoop } from './acquire-loop.js'
import type { LockContext } from './context.js'
import { lockAbortedError } from './errors.js'
import type { HeldLease, LeaseEvents } from './held-lease.js'
import { leaseDeadline, monotonicNow } from './lease-clock.js'
import { linkSignals } from './linked-signal.js'
import type { ResolvedAcquireOptions } from './options.js'

/** A granted lease, before it is wrapped in a lock or permit. */
export interface Grant {
  /** Monotonic time the granting command was sent: the lease is measured from here. */
  readonly sentAt: number
}

export interface AcquisitionSpec<G extends Grant> {
  readonly options: ResolvedAcquireOptions
  readonly channels: readonly string[]
  /** One attempt (abandoned when `signal` aborts): the grant, or how long the current holders may keep it. */
  readonly attempt: (
    signal: AbortSignal,
  ) => Promise<
    | { readonly grant: G; readonly retryAfterMs?: undefined }
    | { readonly grant?: undefined; readonly retryAfterMs?: number }
  >
  /** Gives back, by token, a grant nobody will use (already expired, or the caller stopped waiting). */
  readonly giveBack: () => Promise<unknown>
  /** A fair waiter's way out of the queue once its wait ran out (issue 19); abandoning also gives back. */
  readonly leave?: (() => Promise<unknown>) | undefined
}

/**
 * Runs an acquisition to its end and records it: `acquired` (the grant), `timeout` (undefined),
 * `aborted` (`E_LOCK_ABORTED` / `E_LOCK_CLOSED`) or `unavailable` (`E_REDIS_UNAVAILABLE` or `E_REDIS_FULL`, at once:
 * a lock is never granted, nor waited for, without Redis).
 */
export async function runAcquisition<G extends Grant>(
  context: LockContext,
  spec: AcquisitionSpec<G>,
): Promise<{ grant: G | undefined; attempts: number }> {
  return traced(
    redlayerChannels.lockAcquire,
    () => ({ namespace: context.namespace }),
    (trace) => acquisition(context, spec, trace),
  )
}

async function acquisition<G extends Grant>(
  context: LockContext,
  spec: AcquisitionSpec<G>,
  trace: LockAcquireContext | undefined,
): Promise<{ grant: G | undefined; attempts: number }> {
  const started = monotonicNow()
  const { ttlMs, waitMs } = spec.options
  // Without a caller's signal the manager's own is the whole story: no linked signal to make.
  const linked = spec.options.signal ? linkSignals([spec.options.signal, context.closing]) : undefined
  const signal = linked?.signal ?? context.closing
  const attempt = async (attemptSignal: AbortSignal): Promise<Attempt<G>> => {
    const outcome = await spec.attempt(attemptSignal)
    if (outcome.grant === undefined) return { retryAfterMs: outcome.retryAfterMs }
    // node-redlock#296: a reply that came back after the lease's deadline grants nothing usable.
    if (leaseDeadline(outcome.grant.sentAt, ttlMs) <= monotonicNow()) {
      await spec.giveBack().catch(() => undefined) // it ends at its TTL all the same
      return {}
    }
    return { acquired: outcome.grant }
  }
  try {
    if (context.closing.aborted) throw lockAbortedError(context.closing)
    const result = await acquireLoop(attempt, {
      waitMs,
      signal,
      backoff: context.policy.backoff,
      wakeups: context.wakeups,
      channels: spec.channels,
      abandon: spec.giveBack,
    })
    // A fair waiter whose wait ran out gives its place back before the caller hears of it.
    if (result.acquired === undefined) await spec.leave?.().catch(() => undefined)
    if (trace) {
      trace.outcome = result.acquired === undefined ? 'timeout' : 'acquired'
      trace.waitMs = monotonicNow() - started
    }
    return { grant: result.acquired, attempts: result.attempts }
  } catch (error) {
    if (trace && isRedlayerError(error, 'E_LOCK_ABORTED', 'E_LOCK_CLOSED')) trace.outcome = 'aborted'
    else if (trace && isRedisUnavailableError(error)) trace.outcome = 'unavailable'
    throw error
  } finally {
    linked?.[Symbol.dispose]()
  }
}

/**
 * The events (ADR-0005, `redlayer:lock.lease`) and bookkeeping of one lease; `lease()` is read
 * late (the lease does not exist yet).
 */
export function leaseEvents(context: LockContext, lease: () => HeldLease | undefined): LeaseEvents {
  const { namespace } = context
  const publish = (message: LockLeaseMessage) => {
    if (redlayerChannels.lockLease.hasSubscribers) redlayerChannels.lockLease.publish(message)
  }
  return {
    extension: (outcome) => publish({ namespace, event: 'extension', outcome }),
    lost: () => publish({ namespace, event: 'lost' }),
    ended: (heldMs) => {
      publish({ namespace, event: 'ended', heldMs })
      const held = lease()
      if (held !== undefined) context.live.delete(held)
    },
  }
}
