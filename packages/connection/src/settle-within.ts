/**
 * Waits for `work` until it settles, until `timeoutMs` passes (then the result is what `onTimeout`
 * returns, or its error when it throws), or until `signal` aborts (then it rejects with the
 * signal's reason; at once when the signal has already aborted). The timer is unref()ed and
 * cleared and the abort listener removed as soon as one of them wins, so nothing outlives the
 * wait or keeps the process alive, and a late rejection of `work` is absorbed, never unhandled.
 * The one timeout and abort race of the packages (ADR-0004).
 */
export function settleWithin<T, U = never>(
  work: Promise<T>,
  { timeoutMs, onTimeout, signal }: { timeoutMs?: number; onTimeout?: () => U; signal?: AbortSignal },
): Promise<T | U> {
  if (timeoutMs === undefined && signal === undefined) return work
  return new Promise<T | U>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined
    const settle = () => {
      if (timer !== undefined) clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    }
    const onAbort = () => {
      settle()
      reject(signal?.reason)
    }
    // Handlers go on `work` in every case, so that its later rejection is never unhandled.
    work.then(
      (value) => {
        settle()
        resolve(value)
      },
      (error: unknown) => {
        settle()
        reject(error)
      },
    )
    if (signal?.aborted) {
      onAbort()
      return
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        settle()
        try {
          resolve(onTimeout === undefined ? (undefined as U) : onTimeout())
        } catch (error) {
          reject(error)
        }
      }, timeoutMs)
      timer.unref()
    }
  })
}
