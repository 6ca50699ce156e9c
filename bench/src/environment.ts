import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { availableParallelism, loadavg, totalmem } from 'node:os'
import { redisServerBinary } from '@redlayer/testkit'
import type { BenchTopologyKind } from './bench-context.js'

/** The libraries measured, whose versions every report names. */
export const PEERS = [
  'ioredis',
  'bentocache',
  'cache-manager',
  'keyv',
  '@keyv/redis',
  'rate-limiter-flexible',
  'redlock',
  'redis-semaphore',
  'connect-redis',
  'express-session',
] as const

export interface Environment {
  readonly date: string
  readonly nproc: number
  readonly cpu: string
  readonly memoryGiB: number
  /** The 1, 5 and 15 minute load averages when the run started. */
  readonly loadAtStart: readonly number[]
  loadAtEnd: readonly number[]
  readonly node: string
  readonly redisServer: string
  /** What the run's Redis was (issue 18: standalone, or a Cluster as a figure). */
  readonly topology: string
  readonly versions: Readonly<Record<string, string>>
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'))
    return line?.split(':')[1]?.trim() ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

function redisServerVersion(): string {
  const out = execFileSync(redisServerBinary(), ['--version'], { encoding: 'utf8' })
  return /v=(\S+)/.exec(out)?.[1] ?? out.trim()
}

// bench/src and bench/dist both sit one level below bench/, beside node_modules.
function versionOf(name: string): string {
  const file = new URL(`../node_modules/${name}/package.json`, import.meta.url)
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version
}

const round2 = (n: number) => Math.round(n * 100) / 100

const TOPOLOGY_DESCRIPTIONS: Record<BenchTopologyKind, string> = {
  standalone: 'one testkit redis-server on loopback, no persistence',
  cluster: 'a testkit Cluster on loopback: 3 masters, a replica each, no persistence',
}

export function describeEnvironment(topology: BenchTopologyKind = 'standalone'): Environment {
  return {
    date: new Date().toISOString(),
    nproc: availableParallelism(),
    cpu: cpuModel(),
    memoryGiB: round2(totalmem() / 1024 ** 3),
    loadAtStart: loadavg().map(round2),
    loadAtEnd: [],
    node: process.version,
    redisServer: redisServerVersion(),
    topology: TOPOLOGY_DESCRIPTIONS[topology],
    versions: Object.fromEntries(PEERS.map((name) => [name, versionOf(name)])),
  }
}

export function currentLoad(): number[] {
  return loadavg().map(round2)
}
