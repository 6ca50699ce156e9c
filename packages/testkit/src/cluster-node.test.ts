import { describe, expect, it } from 'vitest'
import { ownsSlot, parseClusterNodes } from './cluster-node.js'
import type { RedisProcess } from './redis-process.js'

const processes = [7000, 7001, 7002].map((port) => ({ port }) as RedisProcess)
const reply = [
  'aaa 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460 [5461->-bbb]',
  'bbb 127.0.0.1:7001@17001 master - 0 1 2 connected 5461-10922 16383',
  'ccc 127.0.0.1:7002@17002 slave aaa 0 1 1 connected',
  '',
].join('\n')

describe('parseClusterNodes', () => {
  it('reads ids, roles, masters and slot ranges, skipping migration marks', () => {
    const [a, b, c] = parseClusterNodes(reply, processes)
    expect(a).toMatchObject({
      id: 'aaa',
      port: 7000,
      role: 'master',
      masterId: undefined,
      slots: [[0, 5460]],
    })
    expect(a?.flags).toEqual(['myself', 'master'])
    expect(b?.slots).toEqual([
      [5461, 10922],
      [16383, 16383],
    ])
    expect(c).toMatchObject({ id: 'ccc', role: 'replica', masterId: 'aaa', slots: [] })
    expect(c?.process).toBe(processes[2])
  })

  it('tells which node serves a slot', () => {
    const [a, b] = parseClusterNodes(reply, processes)
    expect(a && ownsSlot(a, 5460)).toBe(true)
    expect(a && ownsSlot(a, 5461)).toBe(false)
    expect(b && ownsSlot(b, 16383)).toBe(true)
  })

  it('refuses a node that is not one of the started processes', () => {
    expect(() => parseClusterNodes('ddd 127.0.0.1:9999@19999 master - 0 0 1 connected', processes)).toThrow(
      /:9999/,
    )
  })
})
