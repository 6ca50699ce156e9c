import { RedlayerError } from '@redlayer/connection'

/** A mistake in the command line: exit code 2, the message and the command's usage. */
export function usageError(message: string, details: Record<string, unknown> = {}): RedlayerError<'E_USAGE'> {
  return new RedlayerError('E_USAGE', message, { details })
}
