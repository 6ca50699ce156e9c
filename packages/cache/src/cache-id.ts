import type { KeyPart } from '@redlayer/keyspace'
import { cacheError } from './errors.js'

/** What identifies a value: a string, or key parts (`['user', 42]`); the keyspace encodes them. */
export type CacheId = string | readonly KeyPart[]

const MAX_TAG_LENGTH = 1024

export function idParts(id: CacheId): readonly KeyPart[] {
  if (typeof id === 'string') return [id]
  if (Array.isArray(id) && id.length > 0) {
    for (const part of id) {
      if (typeof part !== 'string' && typeof part !== 'number' && typeof part !== 'bigint') {
        throw cacheError(
          'E_INVALID_ID',
          `a cache id part must be a string, number or bigint, not ${typeof part}`,
        )
      }
    }
    return id
  }
  throw cacheError('E_INVALID_ID', 'a cache id is a string or a non-empty array of key parts')
}

/** Validated, de-duplicated tags. */
export function normalizeTags(tags: readonly string[] | undefined): string[] {
  if (tags === undefined) return []
  if (!Array.isArray(tags)) throw cacheError('E_INVALID_OPTIONS', 'tags must be an array of strings')
  for (const tag of tags) {
    if (typeof tag !== 'string' || tag.length === 0 || tag.length > MAX_TAG_LENGTH) {
      throw cacheError(
        'E_INVALID_OPTIONS',
        `a tag is a non-empty string of at most ${MAX_TAG_LENGTH} characters`,
      )
    }
  }
  return [...new Set(tags)]
}
