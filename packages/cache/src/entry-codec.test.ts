import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  type CacheEntry,
  DEFAULT_COMPRESSION_THRESHOLD,
  decodeEntry,
  encodeEntry,
  FORMAT_VERSION,
} from './entry-codec.js'

const entry = (payload: Uint8Array, tags: CacheEntry['tags'] = []): CacheEntry => ({
  payload,
  expiresAt: 1_800_000_000_123,
  graceEndsAt: 1_800_000_060_123,
  epoch: 1_763_000_000_000_001,
  tags,
})

describe('entry codec', () => {
  it('writes the format version then the flags byte', () => {
    const bytes = encodeEntry(entry(Buffer.from('"x"')), DEFAULT_COMPRESSION_THRESHOLD)
    expect(bytes[0]).toBe(FORMAT_VERSION)
    expect(bytes[1]).toBe(0)
  })

  it('round-trips times, epoch, tags with their versions and the payload', () => {
    const original = entry(Buffer.from('{"a":1}'), [
      { tag: 'user:1', version: 1_763_000_000_000_002 },
      { tag: 'ünïcode ✓', version: 0 },
    ])
    expect(decodeEntry(encodeEntry(original, DEFAULT_COMPRESSION_THRESHOLD))).toEqual({
      ...original,
      payload: Buffer.from('{"a":1}'),
    })
  })

  it('deflates payloads at or above the threshold and reads them back transparently', () => {
    const payload = Buffer.from(
      JSON.stringify({ list: Array.from({ length: 200 }, (_, i) => ({ id: i, name: 'item' })) }),
    )
    const bytes = encodeEntry(entry(payload), 512)
    expect(bytes[1]).toBe(1)
    expect(bytes.length).toBeLessThan(payload.length / 2)
    expect(Buffer.from(decodeEntry(bytes)?.payload ?? [])).toEqual(payload)
    const below = encodeEntry(entry(payload.subarray(0, 100)), 512)
    expect(below[1]).toBe(0)
  })

  it('stores incompressible payloads as they are', () => {
    const payload = randomBytes(4096)
    const bytes = encodeEntry(entry(payload), 512)
    expect(bytes[1]).toBe(0)
    expect(Buffer.from(decodeEntry(bytes)?.payload ?? [])).toEqual(payload)
  })

  it('treats other versions, unknown flags and truncated bytes as unreadable', () => {
    const bytes = encodeEntry(entry(Buffer.from('1'), [{ tag: 't', version: 1 }]), 512)
    const otherVersion = Buffer.from(bytes)
    otherVersion[0] = FORMAT_VERSION + 1
    const unknownFlag = Buffer.from(bytes)
    unknownFlag[1] = 0b1000_0000
    expect(decodeEntry(otherVersion)).toBeUndefined()
    expect(decodeEntry(unknownFlag)).toBeUndefined()
    expect(decodeEntry(bytes.subarray(0, 10))).toBeUndefined()
    expect(decodeEntry(bytes.subarray(0, 30))).toBeUndefined()
    const corruptDeflate = Buffer.from(bytes)
    corruptDeflate[1] = 1
    expect(decodeEntry(corruptDeflate)).toBeUndefined()
  })
})
