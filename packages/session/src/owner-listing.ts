import type { RedisClient } from '@redlayer/connection'
import { summaryOf } from './codec.js'
import { type Position, pairsOf } from './listing-cursor.js'
import type { ScriptRunner } from './scripts.js'
import type { SessionSummary } from './types.js'

export interface OwnerListing {
  /** The owner index to read (one per owner hash). */
  readonly index: string
  readonly owner: { readonly appName: string; readonly userId: string }
  /** Where the previous page ended in this index; from the newest when undefined. */
  readonly after: Position | undefined
  /** What the listing has so far: appended to, until it holds `limit + 1`. */
  readonly sessions: SessionSummary[]
  readonly limit: number
}

/**
 * Appends the owner's live sessions from one index, newest first, until the listing holds one
 * more than a page or the index ends. Entries whose session expired are removed from the index.
 */
export async function collectOwnerSessions(
  redis: RedisClient,
  metaKeyOf: (member: string) => string,
  { index, owner, sessions, limit, ...start }: OwnerListing,
): Promise<void> {
  let after = start.after
  for (;;) {
    // One more than the page, to know whether a next page exists; plus the entries that share
    // the cursor's score, which the filter below skips (ties are ordered by member).
    const wanted = limit + 1 - sessions.length
    const ties = after ? await redis.zcount(index, after.score, after.score) : 0
    const max = after ? after.score : '+inf'
    const flat = await redis.zrange(
      index,
      max,
      '-inf',
      'BYSCORE',
      'REV',
      'LIMIT',
      0,
      wanted + ties,
      'WITHSCORES',
    )
    const fetched = pairsOf(flat)
    const entries = fetched.filter(
      (entry) => !after || entry.score < after.score || entry.member < after.member,
    )
    const metas = await Promise.all(entries.map((entry) => redis.hgetall(metaKeyOf(entry.member))))
    const gone: string[] = []
    entries.forEach((entry, i) => {
      const meta = metas[i] ?? {}
      // Keys expire with the session, so a missing meta hash is an expired session.
      if (meta.version === undefined) gone.push(entry.member)
      // ADR-0033: the owner hash is 64 bits; a collision must not list another owner's session.
      else if (meta.appName === owner.appName && meta.userId === owner.userId)
        sessions.push(summaryOf(entry.member, meta))
    })
    if (gone.length > 0) await redis.zrem(index, ...gone)
    const tail = entries[entries.length - 1]
    if (sessions.length > limit || fetched.length < wanted + ties || !tail) return
    after = tail
  }
}

/** Sessions one `revoke-owner.lua` call ends (its index and 4 keys each: 1,001 keys at most). */
const REVOKE_CHUNK = 250

/**
 * ADR-0033: ends every session one owner index lists, as it is now: one script call on the
 * owner's slot (atomic) for up to REVOKE_CHUNK sessions, one per chunk beyond. Resolves to how many
 * of them still existed.
 */
export async function revokeOwnerSessions(
  redis: RedisClient,
  revokeOwner: ScriptRunner,
  index: string,
  keysOf: (member: string) => readonly string[],
): Promise<number> {
  const members = await redis.zrange(index, '0', '-1')
  let ended = 0
  for (let start = 0; start < members.length; start += REVOKE_CHUNK) {
    const ids = members.slice(start, start + REVOKE_CHUNK)
    ended += Number(await revokeOwner([index, ...ids.flatMap(keysOf)], ids))
  }
  return ended
}
