import { describe, expect, it } from 'vitest'
import { TOPOLOGIES, topologiesFromEnv } from './topology.js'

describe('topologiesFromEnv', () => {
  it('runs all three when REDLAYER_TOPOLOGIES is unset or blank', () => {
    expect(topologiesFromEnv({})).toEqual([...TOPOLOGIES])
    expect(topologiesFromEnv({ REDLAYER_TOPOLOGIES: '  ' })).toEqual([...TOPOLOGIES])
  })

  it('narrows to the listed topologies, in the canonical order, ignoring case and spaces', () => {
    expect(topologiesFromEnv({ REDLAYER_TOPOLOGIES: 'Cluster, standalone' })).toEqual([
      'standalone',
      'cluster',
    ])
    expect(topologiesFromEnv({ REDLAYER_TOPOLOGIES: 'sentinel,' })).toEqual(['sentinel'])
  })

  it('rejects an unknown name instead of skipping it', () => {
    expect(() => topologiesFromEnv({ REDLAYER_TOPOLOGIES: 'standalone,clustr' })).toThrow(/clustr/)
  })
})
