/** How long a helper may wait, and how to stop it early. */
export interface WaitOptions {
  timeoutMs?: number
  signal?: AbortSignal
}

export interface PollOptions {
  /** Give up after this long. */
  timeoutMs: number
  /** Pause between two checks; short, since most waits end within a second. */
  intervalMs?: number
  signal?: AbortSignal
  /** What is awaited, for the timeout message ("cluster_state:ok on every node"). */
  what: string
}

/**
 * Calls `check` until it returns a value other than `undefined`, then returns that value. A check
 * that throws counts as "not yet" (a node still starting, a connection refused): the last error is
 * attached to the timeout error as its cause.
 */
export async function pollUntil<T>(check: () => Promise<T | undefined>, options: PollOptions): Promise<T> {
  const { timeoutMs, intervalMs = 50, signal, what } = options
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    signal?.throwIfAborted()
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (error) {
      lastError = error
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError })
    }
    await sleep(intervalMs, signal)
  }
}

/** setTimeout as a promise, unref'd and abortable. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted()
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    timer.unref()
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
