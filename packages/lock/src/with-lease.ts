import { RedlayerError } from '@redlayer/connection'
import { isRedisUnavailableError } from '@redlayer/resilience'
import type { HeldLease, ReleaseResult } from './held-lease.js'

/**
 * Runs `fn` while `lease` is held, then releases it.
 * - `fn` throws: its error is what the caller gets (a failed release then only means the lease
 *   ends at its TTL).
 * - `fn` returns but the lease had ended before the release: `E_LOCK_LOST`, so the caller never
 *   mistakes it for a clean critical section.
 * - `fn` returns and only the release fails (Redis unavailable): the value, when the lease was
 *   still certain at that moment: the work was protected to its end, and reporting it as failed
 *   would invite a second run of it. The guard has recorded the failure; the lease ends at its TTL.
 */
export async function runHolding<L extends HeldLease, T>(
  lease: L,
  fn: (lease: L) => Promise<T> | T,
): Promise<T> {
  let value: T
  try {
    value = await fn(lease)
  } catch (error) {
    await lease.release().catch(() => undefined)
    throw error
  }
  const certain = lease.validityMs > 0
  let released: ReleaseResult
  try {
    released = await lease.release()
  } catch (error) {
    if (!isRedisUnavailableError(error)) throw error
    if (certain) return value
    throw lostError('unconfirmed', error)
  }
  if (!released.released) throw lostError(released.reason)
  return value
}

function lostError(reason: string, cause?: unknown): RedlayerError<'E_LOCK_LOST'> {
  return new RedlayerError('E_LOCK_LOST', `the lease ended before the work under it did (${reason})`, {
    cause,
    details: { reason },
  })
}
