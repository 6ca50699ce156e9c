import { deflateRawSync, inflateRawSync } from 'node:zlib'

/**
 * One stored value with what the cache needs to judge it (ADR-0020, ADR-0021). Times are
 * milliseconds since the epoch; `epoch` and the tag stamps are Redis-TIME versions (microseconds)
 * read before the value was loaded.
 */
export interface CacheEntry {
  /** The serializer's bytes, never compressed. */
  readonly payload: Uint8Array
  /** Logical expiry: fresh before it, graced (stale but servable) after it. */
  readonly expiresAt: number
  /** End of grace: the entry is gone (Redis expires the key then). */
  readonly graceEndsAt: number
  /** Namespace epoch seen when the value was loaded. */
  readonly epoch: number
  /** Tags of the value, each with the version it had when the value was loaded. */
  readonly tags: readonly TagStamp[]
}

export interface TagStamp {
  readonly tag: string
  readonly version: number
}

// ADR-0021: byte 0 is the format version, byte 1 the flags. A reader dispatches on the version and
// refuses reserved flag bits, so a later format can add both without old readers misreading it.
export const FORMAT_VERSION = 1
const FLAG_DEFLATE = 0b0000_0001
const KNOWN_FLAGS = FLAG_DEFLATE
const FIXED_HEADER = 2 + 8 * 3 + 2
const MAX_TAGS = 0xffff

/** ADR-0021: measured threshold (packages/cache/bench/compression-threshold.mjs); payloads at or above it are deflated. */
export const DEFAULT_COMPRESSION_THRESHOLD = 512

export function encodeEntry(entry: CacheEntry, compressionThreshold: number): Buffer {
  const tagNames = entry.tags.map((stamp) => Buffer.from(stamp.tag, 'utf8'))
  if (tagNames.length > MAX_TAGS) throw new RangeError(`at most ${MAX_TAGS} tags per value`)
  let headerLength = FIXED_HEADER
  for (const name of tagNames) headerLength += 2 + name.length + 8

  let payload = entry.payload
  let flags = 0
  if (payload.length >= compressionThreshold) {
    const deflated = deflateRawSync(payload)
    // Incompressible data (already compressed, random) stays as it is.
    if (deflated.length < payload.length) {
      payload = deflated
      flags |= FLAG_DEFLATE
    }
  }

  const out = Buffer.allocUnsafe(headerLength + payload.length)
  out[0] = FORMAT_VERSION
  out[1] = flags
  out.writeDoubleBE(entry.expiresAt, 2)
  out.writeDoubleBE(entry.graceEndsAt, 10)
  out.writeDoubleBE(entry.epoch, 18)
  out.writeUInt16BE(tagNames.length, 26)
  let offset = FIXED_HEADER
  entry.tags.forEach((stamp, index) => {
    const name = tagNames[index] as Buffer
    offset = out.writeUInt16BE(name.length, offset)
    offset += name.copy(out, offset)
    offset = out.writeDoubleBE(stamp.version, offset)
  })
  out.set(payload, offset)
  return out
}

/**
 * Reads what `encodeEntry` wrote. Returns undefined for bytes it cannot read (another format
 * version, unknown flags, truncated data): the cache treats them as a miss and overwrites them.
 */
export function decodeEntry(bytes: Buffer): CacheEntry | undefined {
  if (bytes.length < FIXED_HEADER || bytes[0] !== FORMAT_VERSION) return undefined
  const flags = bytes[1] as number
  if ((flags & ~KNOWN_FLAGS) !== 0) return undefined
  const tagCount = bytes.readUInt16BE(26)
  const tags: TagStamp[] = []
  let offset = FIXED_HEADER
  for (let index = 0; index < tagCount; index++) {
    if (offset + 2 > bytes.length) return undefined
    const length = bytes.readUInt16BE(offset)
    offset += 2
    if (offset + length + 8 > bytes.length) return undefined
    const tag = bytes.toString('utf8', offset, offset + length)
    offset += length
    tags.push({ tag, version: bytes.readDoubleBE(offset) })
    offset += 8
  }
  let payload: Uint8Array = bytes.subarray(offset)
  if (flags & FLAG_DEFLATE) {
    try {
      payload = inflateRawSync(payload)
    } catch {
      return undefined
    }
  }
  return {
    payload,
    expiresAt: bytes.readDoubleBE(2),
    graceEndsAt: bytes.readDoubleBE(10),
    epoch: bytes.readDoubleBE(18),
    tags,
  }
}
