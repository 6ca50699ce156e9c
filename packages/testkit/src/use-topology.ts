import { afterAll, beforeAll } from 'vitest'
import { startTopology, type TopologyKind, type TopologyOf, type TopologyOptions } from './topology.js'

/**
 * One topology for the enclosing `describe` block: started in `beforeAll`, disposed in
 * `afterAll` (even when a test failed). It returns a stand-in that forwards every property to the
 * running topology, so a suite reads `topology.env` or `topology.server.pause()` as it would on
 * the topology itself; reading it outside a test (before `beforeAll` ran) is an error.
 */
export function useTopology<K extends TopologyKind>(kind: K, options: TopologyOptions = {}): TopologyOf<K> {
  let current: TopologyOf<K> | undefined
  beforeAll(async () => {
    current = await startTopology(kind, options)
  })
  afterAll(async () => {
    await current?.[Symbol.asyncDispose]()
    current = undefined
  })
  return new Proxy({} as TopologyOf<K>, {
    get(_, property) {
      if (!current)
        throw new Error(`the ${kind} topology is only available inside a test of its describe block`)
      return Reflect.get(current, property)
    },
  })
}
