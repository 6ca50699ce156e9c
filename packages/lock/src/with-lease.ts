import { RedlayerError } from '@redlayer/connection'
import type { HeldLease } from './held-lease.js'

/**
 * Runs `fn` while `lease` is held, then releases it. When `fn` throws, its error is what the
 * caller gets (a failed release then only means the lease ends at its TTL). When `fn` returns
 * but the lease had ended before the release, the work was not protected to the end:
 * `E_LOCK_LOST`, so the caller never mistakes it for a clean critical section.
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
  const released = await lease.release()
  if (!released.released) {
    throw new RedlayerError(
      'E_LOCK_LOST',
      `the lease ended before the work under it did (${released.reason})`,
      {
        details: { reason: released.reason },
      },
    )
  }
  return value
}
