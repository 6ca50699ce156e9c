import { RedlayerError } from '@redlayer/connection'
import { parseSessionId } from './session-id.js'

/** A place in an owner's index: a session's last-update score and its id (ties ordered by id). */
export interface Position {
  readonly score: number
  readonly member: string
}

/** `ZRANGE ... WITHSCORES` as positions. */
export function pairsOf(flat: readonly string[]): Position[] {
  const pairs: Position[] = []
  for (let i = 0; i + 1 < flat.length; i += 2)
    pairs.push({ member: flat[i] as string, score: Number(flat[i + 1]) })
  return pairs
}

/** ADR-0033: the opaque cursor of `listSessions`: the last position of a page. */
export function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify([position.score, position.member])).toString('base64url')
}

/** The position a cursor names; `E_INVALID_ARGUMENT` for one this store did not hand out. */
export function decodeCursor(cursor: string): Position {
  try {
    const [score, member] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [unknown, unknown]
    if (typeof score === 'number' && Number.isFinite(score) && typeof member === 'string') {
      return { score, member: parseSessionId(member).id }
    }
  } catch {
    // reported below as one typed error
  }
  throw new RedlayerError('E_INVALID_ARGUMENT', 'Invalid session listing cursor.')
}
