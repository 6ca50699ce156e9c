import { RedlayerError } from '@redlayer/connection'

/** What Redis said about a lease the caller believed it held. */
export type LeaseReply = 'ok' | 'expired' | 'taken'

/** A reply no script of this package can give (a script of another version under the same name). */
export function unexpectedReply(operation: string, reply: unknown): RedlayerError {
  return new RedlayerError('E_LOCK_PROTOCOL', `unexpected reply to ${operation}`, {
    details: { operation, reply: typeof reply },
  })
}

/** Reads the 1 / 0 / -1 reply of the extend, refresh and release scripts. */
export function leaseReply(operation: string, reply: unknown): LeaseReply {
  if (reply === 1) return 'ok'
  if (reply === 0) return 'expired'
  if (reply === -1) return 'taken'
  throw unexpectedReply(operation, reply)
}
