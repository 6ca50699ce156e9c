import type { TopologyKind } from '@redlayer/testkit'
import { chaosFaults, type Fault } from './faults.js'

/**
 * How much of the matrix runs: `short` (inside `npm test`: a few faults that cover the classes of
 * the fault model) or `full` (`npm run test:chaos`, REDLAYER_CHAOS=full: every fault on every
 * topology it applies to, and 20 consecutive failovers).
 */
export function chaosMode(env: Record<string, string | undefined> = process.env): 'short' | 'full' {
  const raw = env.REDLAYER_CHAOS?.trim().toLowerCase() || 'short'
  if (raw !== 'short' && raw !== 'full')
    throw new Error(`REDLAYER_CHAOS is short or full, got ${JSON.stringify(env.REDLAYER_CHAOS)}`)
  return raw
}

/**
 * The short matrix: a hang, a full memory, a silent connection and a kill -9 failover (each
 * consecutive failover waits up to 10 s for the sentinels to see the restarted node as a replica,
 * so the 20 in a row are left to the full run).
 */
const SHORT: readonly (readonly [string, TopologyKind])[] = [
  ['SIGSTOP 5 s', 'standalone'],
  ['OOM under noeviction', 'standalone'],
  ['blackholed TCP connection', 'standalone'],
  ['kill -9 + restart, no persistence', 'sentinel'],
]

/** The (fault, topology) runs of this mode, in order. */
export function chaosPlan(mode = chaosMode()): (readonly [Fault, TopologyKind])[] {
  const faults = chaosFaults(20)
  if (mode === 'full')
    return faults.flatMap((fault) => fault.topologies.map((kind) => [fault, kind] as const))
  return SHORT.map(([name, kind]) => {
    const fault = faults.find((candidate) => candidate.name === name)
    if (fault === undefined) throw new Error(`no fault named ${name}`)
    return [fault, kind] as const
  })
}
