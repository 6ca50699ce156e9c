import { describe, expect, it } from 'vitest'
import { PendingInvalidations } from './pending-invalidations.js'

const id = (name: string) => ({ value: name, deleted: `${name}:d`, lease: `${name}:l` })

describe('PendingInvalidations', () => {
  it('covers queued ids and tags until acknowledged', () => {
    const pending = new PendingInvalidations(10)
    pending.addIds([id('a')])
    pending.addTags(['t'])
    expect(pending.covers('a', [])).toBe(true)
    expect(pending.covers('b', ['t'])).toBe(true)
    expect(pending.covers('b', ['u'])).toBe(false)
    const batch = pending.snapshot()
    expect(pending.covers('a', [])).toBe(true)
    pending.acknowledge(batch)
    expect(pending.size).toBe(0)
    expect(pending.covers('a', ['t'])).toBe(false)
  })

  it('keeps what was queued again after the snapshot', () => {
    const pending = new PendingInvalidations(10)
    pending.addIds([id('a')])
    const batch = pending.snapshot()
    pending.addIds([id('a')])
    pending.acknowledge(batch)
    expect(pending.covers('a', [])).toBe(true)
  })

  it('collapses into one epoch bump on overflow', () => {
    const pending = new PendingInvalidations(3)
    expect(pending.addIds([id('a'), id('b'), id('c')])).toBe(false)
    expect(pending.addTags(['t'])).toBe(true)
    expect(pending.size).toBe(1)
    expect(pending.covers('anything', [])).toBe(true)
    const batch = pending.snapshot()
    expect(batch.epoch).toBeGreaterThan(0)
    expect(batch.ids.size + batch.tags.size).toBe(0)
    pending.addEpoch()
    pending.acknowledge(batch)
    expect(pending.size).toBe(1)
    pending.acknowledge(pending.snapshot())
    expect(pending.size).toBe(0)
  })
})
