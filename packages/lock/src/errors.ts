import { RedlayerError } from '@redlayer/connection'

/**
 * The codes this package throws (the guard adds `E_REDIS_UNAVAILABLE` and `E_REDIS_FULL`). Contention, a lost
 * lease, a cancelled wait and a misuse are told apart by code, never by message
 * (node-redlock#168, #288 reported them all as one error).
 */
export const LOCK_ERROR_CODES = [
  /** Contended past `waitMs`. */
  'E_LOCK_TIMEOUT',
  /** The lease ended (expired, taken, or could not be confirmed in time) before it was released. */
  'E_LOCK_LOST',
  /** The lock was released: the reason `lock.signal` aborts with after `release()`. */
  'E_LOCK_RELEASED',
  /** The caller's `signal` aborted the wait. */
  'E_LOCK_ABORTED',
  /** The manager was closed. */
  'E_LOCK_CLOSED',
  /** The resources of one multi-lock cannot share a Cluster slot. */
  'E_CROSS_SLOT',
  /** Bad options (every problem listed in `details.problems`). */
  'E_INVALID_OPTIONS',
  /** A resource that is not a key part or a [group, name] pair. */
  'E_INVALID_RESOURCE',
  /** A script replied something no script of this version replies. */
  'E_LOCK_PROTOCOL',
] as const

export type LockErrorCode = (typeof LOCK_ERROR_CODES)[number]

/** `E_LOCK_TIMEOUT`: contention, not a failure of Redis or of the caller's options. */
export function lockTimeoutError(waitMs: number, attempts: number): RedlayerError<'E_LOCK_TIMEOUT'> {
  return new RedlayerError('E_LOCK_TIMEOUT', `still held by another holder after waiting ${waitMs} ms`, {
    details: { waitMs, attempts },
  })
}

/** `E_LOCK_ABORTED`, with the signal's reason as the cause. */
export function lockAbortedError(signal: AbortSignal): RedlayerError<'E_LOCK_ABORTED' | 'E_LOCK_CLOSED'> {
  if (isClosedReason(signal.reason)) return signal.reason
  return new RedlayerError('E_LOCK_ABORTED', 'the wait for the lock was aborted', { cause: signal.reason })
}

/** `E_LOCK_CLOSED`: the manager was closed while a call was waiting or before it started. */
export function lockClosedError(): RedlayerError<'E_LOCK_CLOSED'> {
  return new RedlayerError('E_LOCK_CLOSED', 'the lock manager is closed')
}

function isClosedReason(reason: unknown): reason is RedlayerError<'E_LOCK_CLOSED'> {
  return reason instanceof RedlayerError && reason.code === 'E_LOCK_CLOSED'
}
