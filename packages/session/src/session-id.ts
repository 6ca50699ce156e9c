import { createHash, createHmac, randomBytes } from 'node:crypto'
import { RedlayerError } from '@redlayer/connection'

// ADR-0033: an id is `<owner hash>.<random>`. The random part is 144 bits from the OS source.
// The owner hash (64 bits of HMAC-SHA-256 over app and user, keyed with the store's owner secret)
// names the owner's index and is the hash tag the session shares with it, so an append updates
// the index in the same script on the same Cluster slot, from the id alone. Without a secret it
// is a plain SHA-256, which anyone who can guess the user id can recompute.
const ID_PATTERN = /^([0-9a-f]{16})\.([A-Za-z0-9_-]{24})$/
const RANDOM_BYTES = 18

export interface ParsedSessionId {
  readonly id: string
  readonly owner: string
  readonly random: string
}

function ownerHash(appName: string, userId: string, secret: string | undefined): string {
  const hash = secret === undefined ? createHash('sha256') : createHmac('sha256', secret)
  return hash.update(appName).update('\0').update(userId).digest('hex').slice(0, 16)
}

/**
 * The hashes one owner is known by: one per owner secret, the current secret first (ADR-0033,
 * rotation); the unkeyed hash when the store has no secret.
 */
export function ownerHashes(appName: string, userId: string, secrets: readonly string[]): string[] {
  if (secrets.length === 0) return [ownerHash(appName, userId, undefined)]
  return [...new Set(secrets.map((secret) => ownerHash(appName, userId, secret)))]
}

/** A new id for the owner, under `ownerSecret` when the store has one (the current secret). */
export function newSessionId(appName: string, userId: string, ownerSecret?: string): string {
  const owner = ownerHash(appName, userId, ownerSecret)
  return `${owner}.${randomBytes(RANDOM_BYTES).toString('base64url')}`
}

/** Validates an id that came from outside; it is never trusted as a key. */
export function parseSessionId(value: unknown): ParsedSessionId {
  const match = typeof value === 'string' ? ID_PATTERN.exec(value) : null
  if (!match?.[1] || !match[2]) {
    throw new RedlayerError('E_INVALID_SESSION_ID', 'Not a session id (expected `<16 hex>.<24 base64url>`).')
  }
  return { id: match[0], owner: match[1], random: match[2] }
}
