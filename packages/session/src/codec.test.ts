import { describe, expect, it } from 'vitest'
import { eventOf, fieldsOf, serialize, stateOf } from './codec.js'

describe('session codec', () => {
  it('serializes JSON values within the size limit and refuses the rest with a typed error', () => {
    expect(serialize('event', { a: [1, 'x', null] }, 100)).toBe('{"a":[1,"x",null]}')
    expect(() => serialize('event', 'x'.repeat(200), 100)).toThrow(
      expect.objectContaining({ code: 'E_INVALID_VALUE' }),
    )
    expect(() => serialize('event', undefined, 100)).toThrow(
      expect.objectContaining({ code: 'E_INVALID_VALUE' }),
    )
    expect(() => serialize('event', { n: 1n }, 100)).toThrow(
      expect.objectContaining({ code: 'E_INVALID_VALUE' }),
    )
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(() => serialize('event', cyclic, 100)).toThrow(
      expect.objectContaining({ code: 'E_INVALID_VALUE' }),
    )
  })

  it('reads hashes, state and stored events back', () => {
    expect(fieldsOf(['a', '1', 'b', '2'])).toEqual({ a: '1', b: '2' })
    expect(stateOf(['lang', '"pt"', 'turns', '3', 'tags', '["a"]'])).toEqual({
      lang: 'pt',
      turns: 3,
      tags: ['a'],
    })
    expect(eventOf('{"seq":7,"at":1700000000000,"event":{"id":"e1","type":"t","data":{"x":1}}}')).toEqual({
      seq: 7,
      at: new Date(1_700_000_000_000),
      id: 'e1',
      type: 't',
      data: { x: 1 },
    })
  })
})
