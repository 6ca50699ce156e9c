import { cacheError } from './errors.js'

/**
 * Runs a loader under the hard timeout (ADR-0020): past it the returned promise rejects with
 * E_LOADER_TIMEOUT and the loader's signal aborts, so a loader that honours it stops working.
 */
export function runWithHardTimeout<T>(
  load: (signal: AbortSignal) => Promise<T> | T,
  hardTimeoutMs: number | undefined,
): Promise<T> {
  const controller = new AbortController()
  const loading = Promise.resolve().then(() => load(controller.signal))
  if (hardTimeoutMs === undefined) return loading
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const error = cacheError('E_LOADER_TIMEOUT', `loader did not finish within ${hardTimeoutMs} ms`, {
        details: { hardTimeoutMs },
      })
      controller.abort(error)
      reject(error)
    }, hardTimeoutMs)
    timer.unref()
    loading.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}

export const SOFT_TIMEOUT: unique symbol = Symbol('soft timeout')

/** Resolves with SOFT_TIMEOUT after `ms` unless `promise` settles first (its rejection is passed on). */
export function raceSoftTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof SOFT_TIMEOUT> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(SOFT_TIMEOUT), ms)
    timer.unref()
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}

/** Waits for `promise` but stops waiting (rejects with the reason) when the signal aborts. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise
  signal.throwIfAborted()
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}
