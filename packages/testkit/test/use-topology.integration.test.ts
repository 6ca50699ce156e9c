import { describe, expect, it } from 'vitest'
import { useTopology } from '../src/index.js'

describe('useTopology', () => {
  const topology = useTopology('standalone')
  let early: unknown
  try {
    early = topology.env
  } catch (error) {
    early = error
  }

  it('is an error to read before the block started, and the running topology inside its tests', () => {
    expect(early).toBeInstanceOf(Error)
    expect((early as Error).message).toMatch(/only available inside a test/)
    expect(topology.kind).toBe('standalone')
    expect(topology.env.REDIS_URL).toBe(topology.server.url)
    expect(topology.server.running).toBe(true)
  })
})
