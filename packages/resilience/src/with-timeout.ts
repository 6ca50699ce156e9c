import { RedlayerError } from '@redlayer/connection'

/**
 * Runs `fn` and rejects with `E_REDIS_TIMEOUT` when it has not settled within `timeoutMs`, or
 * with the signal's reason when `signal` aborts first. The timer is unref()ed and cleared, and the
 * abort listener removed, as soon as the call settles: nothing outlives the call or keeps the
 * process alive. A late rejection of `fn` after a timeout or abort is absorbed, never unhandled.
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
  return new Promise<T>((resolve, reject) => {
    const settle = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    }
    const onAbort = () => {
      settle()
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      settle()
      reject(
        new RedlayerError(
          'E_REDIS_TIMEOUT',
          `Redis operation "${operation}" did not settle within ${timeoutMs} ms`,
          { details: { operation, timeoutMs } },
        ),
      )
    }, timeoutMs)
    timer.unref()
    signal?.addEventListener('abort', onAbort, { once: true })
    pending.then(
      (value) => {
        settle()
        resolve(value)
      },
      (error: unknown) => {
        settle()
        reject(error)
      },
    )
  })
}
