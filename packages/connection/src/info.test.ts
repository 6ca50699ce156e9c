import { describe, expect, it } from 'vitest'
import { infoInteger, parseInfo } from './info.js'

describe('parseInfo', () => {
  it('reads fields across sections and keeps colons inside values', () => {
    const info = parseInfo(
      '# Server\r\nredis_version:7.0.15\r\nexecutable:/usr/bin/a:b\r\n\r\n# Memory\r\nused_memory:1024\r\n',
    )
    expect(info.get('redis_version')).toBe('7.0.15')
    expect(info.get('executable')).toBe('/usr/bin/a:b')
    expect(infoInteger(info, 'used_memory')).toBe(1024)
    expect(infoInteger(info, 'redis_version')).toBeNull()
    expect(infoInteger(info, 'absent')).toBeNull()
  })
})
