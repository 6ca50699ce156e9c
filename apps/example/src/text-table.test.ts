import { describe, expect, it } from 'vitest'
import { formatTable } from './text-table.js'

describe('formatTable', () => {
  it('aligns columns two spaces apart and trims trailing spaces', () => {
    expect(
      formatTable([
        ['name', 'ttl'],
        ['entity', '5m'],
        ['ai', ''],
      ]),
    ).toBe(['  name    ttl', '  entity  5m', '  ai'].join('\n'))
  })

  it('accepts rows of different lengths and another indent', () => {
    expect(formatTable([['a', 'bb', 'c'], ['dd']], '')).toBe(['a   bb  c', 'dd'].join('\n'))
  })
})
