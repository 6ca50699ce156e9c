import { isRedlayerError } from '@redlayer/connection'
import { describe, expect, it } from 'vitest'
import { jsonSerializer } from './serializer.js'

const roundTrip = (value: unknown) => jsonSerializer.deserialize(jsonSerializer.serialize(value))

describe('jsonSerializer', () => {
  it('round-trips JSON values, null included', () => {
    for (const value of [
      null,
      0,
      -1.5,
      '',
      'text',
      true,
      false,
      [],
      {},
      [1, 'a', null],
      { a: { b: [1, 2] } },
    ]) {
      expect(roundTrip(value)).toEqual(value)
    }
    expect(roundTrip(null)).toBeNull()
  })

  it('round-trips Dates at any depth, invalid Dates included', () => {
    const at = new Date('2026-11-22T01:02:03.456Z')
    const out = roundTrip({ at, list: [at, { deeper: at }], invalid: new Date(Number.NaN) }) as {
      at: Date
      list: [Date, { deeper: Date }]
      invalid: Date
    }
    expect(out.at).toBeInstanceOf(Date)
    expect(out.at.getTime()).toBe(at.getTime())
    expect(out.list[0].getTime()).toBe(at.getTime())
    expect(out.list[1].deeper.getTime()).toBe(at.getTime())
    expect(Number.isNaN(out.invalid.getTime())).toBe(true)
    expect((roundTrip(at) as Date).toISOString()).toBe(at.toISOString())
  })

  it('keeps user keys that look like the Date marker as plain data', () => {
    const value = { $date: '2026-01-01T00:00:00.000Z', $$x: 1, $: { $date: 'not a date' }, plain: 2 }
    expect(roundTrip(value)).toEqual(value)
    expect(roundTrip([{ $date: 'x' }])).toEqual([{ $date: 'x' }])
  })

  it('drops undefined properties and reads undefined array items as null, like JSON', () => {
    expect(roundTrip({ a: undefined, b: 1 })).toEqual({ b: 1 })
    expect(roundTrip([undefined, 1])).toEqual([null, 1])
  })

  it('refuses values JSON cannot hold with E_INVALID_VALUE', () => {
    for (const value of [undefined, () => 1, Symbol('s'), 10n, { n: 10n }]) {
      let error: unknown
      try {
        jsonSerializer.serialize(value)
      } catch (caught) {
        error = caught
      }
      expect(isRedlayerError(error, 'E_INVALID_VALUE')).toBe(true)
    }
  })
})
