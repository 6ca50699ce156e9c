import { createHash, randomBytes } from 'node:crypto'
import { RedlayerError } from '@redlayer/connection'

// ADR-0033: an id is `<owner hash>.<random>`. The random part is 144 bits from the OS source.
// The owner hash (64 bits of SHA-256 over app and user) names the owner's index and is the hash
// tag the session shares with it, so an append updates the index in the same script on the same
// Cluster slot, from the id alone.
const ID_PATTERN = /^([0-9a-f]{16})\.([A-Za-z0-9_-]{24})$/
const RANDOM_BYTES = 18

export interface ParsedSessionId {
  readonly id: string
  readonly owner: string
  readonly random: string
}

export function ownerHash(appName: string, userId: string): string {
  return createHash('sha256').update(appName).update('\0').update(userId).digest('hex').slice(0, 16)
}

export function newSessionId(appName: string, userId: string): string {
  return `${ownerHash(appName, userId)}.${randomBytes(RANDOM_BYTES).toString('base64url')}`
}

/** Validates an id that came from outside; it is never trusted as a key. */
export function parseSessionId(value: unknown): ParsedSessionId {
  const match = typeof value === 'string' ? ID_PATTERN.exec(value) : null
  if (!match?.[1] || !match[2]) {
    throw new RedlayerError('E_INVALID_SESSION_ID', 'Not a session id (expected `<16 hex>.<24 base64url>`).')
  }
  return { id: match[0], owner: match[1], random: match[2] }
}
