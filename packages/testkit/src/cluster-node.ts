import type { RedisProcess } from './redis-process.js'

/** One node of a cluster as CLUSTER NODES describes it. */
export interface ClusterNode {
  id: string
  host: string
  port: number
  role: 'master' | 'replica'
  /** The master's id for a replica. */
  masterId: string | undefined
  /** Slot ranges served (inclusive), masters only. */
  slots: ReadonlyArray<readonly [number, number]>
  /** Raw flags: myself, master, slave, fail?, fail, handshake, noaddr... */
  flags: readonly string[]
  /** The process behind the node, to pause, kill or restart it. */
  process: RedisProcess
}

/** Parses a CLUSTER NODES reply; a node not in `processes` (by port) is an error. */
export function parseClusterNodes(reply: string, processes: readonly RedisProcess[]): ClusterNode[] {
  return reply
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [id = '', address = '', flagText = '', master = '-', , , , , ...slotFields] = line
        .trim()
        .split(' ')
      const hostPort = address.split('@')[0] ?? ''
      const colon = hostPort.lastIndexOf(':')
      const port = Number(hostPort.slice(colon + 1))
      const process = processes.find((candidate) => candidate.port === port)
      if (!process) throw new Error(`CLUSTER NODES names :${port}, which is not a node of this cluster`)
      const flags = flagText.split(',')
      return {
        id,
        host: hostPort.slice(0, colon),
        port,
        role: flags.includes('master') ? 'master' : 'replica',
        masterId: master === '-' ? undefined : master,
        // `[slot->-id]` / `[slot-<-id]` are migration marks, not owned slots.
        slots: slotFields
          .filter((field) => !field.startsWith('['))
          .map((field) => {
            const [start, end = start] = field.split('-').map(Number)
            return [start as number, end as number] as const
          }),
        flags,
        process,
      }
    })
}

/** True when the node serves `slot`. */
export function ownsSlot(node: ClusterNode, slot: number): boolean {
  return node.slots.some(([start, end]) => slot >= start && slot <= end)
}
