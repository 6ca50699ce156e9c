import { RedlayerError } from '@redlayer/connection'
import { settleWithin } from '@redlayer/connection/internal'

/**
 * Runs `fn` and rejects with `E_REDIS_TIMEOUT` when it has not settled within `timeoutMs`, or
 * with the signal's reason when `signal` aborts first (`settleWithin`: nothing outlives the call,
 * and a late rejection of `fn` is absorbed).
 */
export function withTimeout<T>(
  fn: () => Promise<T>,
  timeoutMs: number,
  operation: string,
  signal?: AbortSignal,
): Promise<T> {
  let pending: Promise<T>
  try {
    pending = Promise.resolve(fn())
  } catch (error) {
    return Promise.reject(error)
  }
  return settleWithin(pending, {
    timeoutMs,
    signal,
    onTimeout: () => {
      throw new RedlayerError(
        'E_REDIS_TIMEOUT',
        `Redis operation "${operation}" did not settle within ${timeoutMs} ms`,
        {
          details: { operation, timeoutMs },
        },
      )
    },
  })
}
