import { settleWithin } from '@redlayer/connection/internal'
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
  return settleWithin(loading, {
    timeoutMs: hardTimeoutMs,
    onTimeout: () => {
      const error = cacheError('E_LOADER_TIMEOUT', `loader did not finish within ${hardTimeoutMs} ms`, {
        details: { hardTimeoutMs },
      })
      controller.abort(error)
      throw error
    },
  })
}

export const SOFT_TIMEOUT: unique symbol = Symbol('soft timeout')

/** Resolves with SOFT_TIMEOUT after `ms` unless `promise` settles first (its rejection is passed on). */
export function raceSoftTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof SOFT_TIMEOUT> {
  return settleWithin(promise, { timeoutMs: ms, onTimeout: () => SOFT_TIMEOUT })
}

/** Waits for `promise` but stops waiting (rejects with the reason) when the signal aborts. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  return settleWithin(promise, { signal })
}

/** Whether a load failed by passing its hard timeout. */
export function isTimeout(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'E_LOADER_TIMEOUT'
  )
}
