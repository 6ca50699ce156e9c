import { describe, expect, it } from 'vitest'
import { L1, type L1Entry } from './l1.js'

const value = (bytes: number, tags: string[] = [], expiresAt = 2_000, graceEndsAt = 3_000): L1Entry => ({
  payload: new Uint8Array(bytes),
  expiresAt,
  graceEndsAt,
  tags,
})

describe('L1', () => {
  it('evicts the least recently used entry past the entry bound', () => {
    const l1 = new L1({ maxEntries: 2, maxBytes: 1_000_000 })
    l1.set('a', value(1))
    l1.set('b', value(1))
    l1.get('a', 1_000)
    l1.set('c', value(1))
    expect(l1.get('a', 1_000)).toBeDefined()
    expect(l1.get('b', 1_000)).toBeUndefined()
    expect(l1.get('c', 1_000)).toBeDefined()
    expect(l1.size).toBe(2)
  })

  it('evicts past the byte bound and refuses an entry larger than the bound', () => {
    const l1 = new L1({ maxEntries: 100, maxBytes: 1_000 })
    l1.set('a', value(480))
    l1.set('b', value(480))
    expect(l1.get('a', 1_000)).toBeUndefined()
    expect(l1.bytes).toBeLessThanOrEqual(1_000)
    l1.set('huge', value(5_000))
    expect(l1.get('huge', 1_000)).toBeUndefined()
    expect(l1.get('b', 1_000)).toBeDefined()
  })

  it('drops entries past their grace, and accounts bytes on replace and delete', () => {
    const l1 = new L1({ maxEntries: 10, maxBytes: 10_000 })
    l1.set('a', value(100))
    const once = l1.bytes
    l1.set('a', value(100))
    expect(l1.bytes).toBe(once)
    expect(l1.get('a', 3_000)).toBeUndefined()
    expect(l1.bytes).toBe(0)
  })

  it('keeps its own copy of a payload that is a view into a larger buffer', () => {
    const l1 = new L1({ maxEntries: 10, maxBytes: 100_000 })
    const readBuffer = Buffer.alloc(65_536, 7)
    l1.set('a', { ...value(0), payload: readBuffer.subarray(100, 260) })
    const held = l1.get('a', 1_000)?.payload
    expect(held?.byteLength).toBe(160)
    expect(held?.buffer.byteLength).toBe(160)
    expect(held?.[0]).toBe(7)
    const own = new Uint8Array(50)
    l1.set('b', { ...value(0), payload: own })
    expect(l1.get('b', 1_000)?.payload).toBe(own)
  })

  it('deletes by tag and clears', () => {
    const l1 = new L1({ maxEntries: 10, maxBytes: 10_000 })
    l1.set('a', value(1, ['x']))
    l1.set('b', value(1, ['y']))
    l1.set('c', value(1))
    l1.deleteTagged(new Set(['x']))
    expect(l1.get('a', 1_000)).toBeUndefined()
    expect(l1.get('b', 1_000)).toBeDefined()
    l1.clear()
    expect(l1.size).toBe(0)
    expect(l1.bytes).toBe(0)
  })
})

describe('L1 generation', () => {
  it('refuses a read that started before an invalidation', () => {
    const l1 = new L1({ maxEntries: 10, maxBytes: 10_000 })
    const since = l1.generation
    l1.delete('a')
    l1.set('a', value(1), since)
    expect(l1.get('a', 1_000)).toBeUndefined()
    const later = l1.generation
    l1.set('a', value(1), later)
    expect(l1.get('a', 1_000)).toBeDefined()
    const beforeTags = l1.generation
    l1.deleteTagged(new Set(['x']))
    l1.set('b', value(1), beforeTags)
    expect(l1.get('b', 1_000)).toBeUndefined()
    const beforeDiscard = l1.generation
    l1.discard('a')
    l1.set('c', value(1), beforeDiscard)
    expect(l1.get('c', 1_000)).toBeDefined()
  })
})
