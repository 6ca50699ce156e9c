import { LuaScript } from '@redlayer/connection/internal'
import type { LockContext } from './context.js'
import { QUEUE_PRELUDE } from './lua-preludes.js'
import type { ResolvedAcquireOptions } from './options.js'
import type { QueueKeys } from './resource-keys.js'

/** A fair attempt's place in line (issue 19): the queue, and how long a place is kept (0: never queued). */
export interface FairAttempt {
  readonly queue: QueueKeys
  readonly livenessMs: number
}

const script = new LuaScript('redlayerLockQueueLeave', new URL('./queue-leave.lua', import.meta.url), {
  prelude: QUEUE_PRELUDE,
})

/** What an acquisition needs for fair waiting: its attempts' place in line and its way out. */
export interface FairWaiting {
  readonly fair: FairAttempt | undefined
  /** `giveBack`, and for a queued waiter its leaving too. */
  readonly giveBack: () => Promise<unknown>
  /** For a queued waiter, leaving the queue once its wait ran out (issue 19). */
  readonly leave: (() => Promise<unknown>) | undefined
}

/**
 * The fair waiting of one acquisition (issue 19, ADR-0030), or none when it is not fair. A
 * caller that will not wait (`waitMs` 0) is never queued, so it has nothing to leave. A waiter
 * that stopped waiting leaves the queue and wakes the waiters behind it on `channel`.
 */
export function fairWaiting(
  context: LockContext,
  options: ResolvedAcquireOptions,
  queue: () => QueueKeys,
  token: string,
  channel: string,
  giveBack: () => Promise<unknown>,
): FairWaiting {
  if (!options.fair) return { fair: undefined, giveBack, leave: undefined }
  const keys = queue()
  const livenessMs = options.waitMs > 0 ? context.policy.queueLivenessMs : 0
  if (livenessMs === 0) return { fair: { queue: keys, livenessMs }, giveBack, leave: undefined }
  const leave = () => script.run(context.redis, [keys.waiters, keys.until], [token, channel])
  return { fair: { queue: keys, livenessMs }, giveBack: () => Promise.all([giveBack(), leave()]), leave }
}
