import { isRedlayerError } from '@redlayer/connection'
import { defineKeyspace } from '@redlayer/keyspace'
import calculateSlot from 'cluster-key-slot'
import { describe, expect, it } from 'vitest'
import { assertOneSlot, mutexKeys, semaphoreKeys } from './resource-keys.js'

const keyspace = defineKeyspace({
  prefix: 'app',
  namespaces: {
    lock: {
      prefix: 'lock',
      description: 'locks',
      ttl: { default: '30s' },
      flushClass: 'forbidden',
      whenRedisDown: 'fail-closed',
    },
  },
})

describe('resource keys', () => {
  it('puts the lock, its fence counter and its channel under one hash tag', () => {
    const keys = mutexKeys(keyspace, 'lock', 'invoice:42')
    const slots = new Set([keys.lock, keys.fence, keys.channel].map((key) => calculateSlot(key)))
    expect(slots.size).toBe(1)
    expect(new Set([keys.lock, keys.fence, keys.channel]).size).toBe(3)
    expect(keyspace.classify(keys.lock)).toBe('lock')
    expect(keyspace.classify(keys.fence)).toBe('lock')
  })

  it('keeps user data inside its part: braces and globs cannot change the slot or the namespace', () => {
    const hostile = mutexKeys(keyspace, 'lock', '}{x}*?[')
    expect(keyspace.classify(hostile.lock)).toBe('lock')
    expect(hostile.lock).not.toContain('*')
    expect(calculateSlot(hostile.lock)).toBe(calculateSlot(hostile.fence))
  })

  it('tells a resource, a grouped resource and a semaphore apart', () => {
    const all = [
      mutexKeys(keyspace, 'lock', 'a').lock,
      mutexKeys(keyspace, 'lock', ['a', 'lock']).lock,
      mutexKeys(keyspace, 'lock', ['a', 'b']).lock,
      semaphoreKeys(keyspace, 'lock', 'a').holders,
      semaphoreKeys(keyspace, 'lock', ['a', 'b']).holders,
      mutexKeys(keyspace, 'lock', 'a').fence,
    ]
    expect(new Set(all).size).toBe(all.length)
  })

  it('accepts resources of one group together and refuses resources of different slots', () => {
    expect(() =>
      assertOneSlot([mutexKeys(keyspace, 'lock', ['g', 'x']), mutexKeys(keyspace, 'lock', ['g', 'y'])]),
    ).not.toThrow()
    const a = mutexKeys(keyspace, 'lock', 'a')
    const b = mutexKeys(keyspace, 'lock', 'b')
    expect(calculateSlot(a.lock)).not.toBe(calculateSlot(b.lock))
    let error: unknown
    try {
      assertOneSlot([a, b])
    } catch (caught) {
      error = caught
    }
    expect(isRedlayerError(error, 'E_CROSS_SLOT')).toBe(true)
  })

  it('refuses a malformed grouped resource', () => {
    let error: unknown
    try {
      mutexKeys(keyspace, 'lock', ['a', 'b', 'c'] as unknown as [string, string])
    } catch (caught) {
      error = caught
    }
    expect(isRedlayerError(error, 'E_INVALID_RESOURCE')).toBe(true)
  })
})
