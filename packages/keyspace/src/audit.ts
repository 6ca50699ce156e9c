import type { RedisClient } from '@redlayer/connection'
import { parseOrThrow } from '@redlayer/connection/internal'
import type { Redis } from 'ioredis'
import { z } from 'zod'
import type { FlushClass } from './definition.js'
import type { Keyspace } from './keyspace.js'
import { mastersToScan, nodeLabel, perKeyPipeline } from './scan.js'

export interface AuditOptions {
  /** Keys per namespace whose MEMORY USAGE is measured (reservoir sample); 50 by default. */
  sampleSize?: number
  /** SCAN COUNT, and the most keys per PTTL round trip; 1000 by default. */
  scanCount?: number
  /** Stop after this many scanned keys (all nodes together); the audit then says `complete: false`. 1,000,000 by default. */
  maxKeys?: number
  /** How many keys that belong to no namespace to show; 5 by default. */
  examples?: number
  signal?: AbortSignal
  /**
   * Runs each round trip of the audit: a SCAN page with the PTTLs of its keys, or the MEMORY
   * USAGE of a node's sample. Give `(call) => guard.run('monitoring.audit', call)` and each page
   * is a guarded call of its own, bounded by the command timeout, however large the keyspace
   * (issue 17: one call for the whole audit timed out at 300 000 keys). Runs them as they are by
   * default.
   */
  step?: <T>(call: () => Promise<T>) => Promise<T>
}

/** Each round trip as it is. */
const direct = <T>(call: () => Promise<T>): Promise<T> => call()

export interface NamespaceAudit {
  readonly namespace: string
  readonly prefix: string
  readonly flushClass: FlushClass
  readonly keys: number
  /** Keys with no expiry (PTTL -1) that the namespace does not declare untimed: these leak. */
  readonly withoutTtl: number
  /** Keys with no expiry by design (the namespace's `untimedKeys`: an epoch, fence counters). */
  readonly untimed: number
  /** Keys whose remaining TTL is longer than the namespace's max. */
  readonly ttlAboveMax: number
  /** Keys whose MEMORY USAGE was measured. */
  readonly sampledKeys: number
  /** ESTIMATE: mean MEMORY USAGE of the sample times `keys`; undefined when nothing was sampled. */
  readonly estimatedBytes: number | undefined
  readonly memoryBudgetBytes: number | undefined
  /** `estimatedBytes / memoryBudgetBytes` (1 = the whole budget), when both are known. */
  readonly budgetUse: number | undefined
}

export interface KeyspaceAudit {
  readonly nodes: readonly string[]
  /** Keys scanned under the application prefix, all nodes together. */
  readonly scanned: number
  /** False when `maxKeys` stopped the scan: counts are then lower bounds. */
  readonly complete: boolean
  /** Memory figures are extrapolated from samples, never exact. */
  readonly memoryIsEstimate: true
  readonly namespaces: readonly NamespaceAudit[]
  /** Keys under the application prefix that no namespace could have built. */
  readonly unclassified: { readonly count: number; readonly examples: readonly string[] }
}

const optionsSchema = z.object({
  sampleSize: z.number().int().min(0).max(10_000).optional(),
  scanCount: z.number().int().min(1).max(100_000).optional(),
  maxKeys: z.number().int().positive().optional(),
  examples: z.number().int().min(0).max(100).optional(),
})

interface Sample {
  readonly node: Redis
  readonly key: string
}

interface Tally {
  keys: number
  withoutTtl: number
  untimed: number
  ttlAboveMax: number
  readonly sample: Sample[]
}

const EXAMPLE_LENGTH = 120

/**
 * Audits the keyspace over SCAN on every master (bounded by `maxKeys`): per namespace the key
 * count, keys without a TTL, TTLs above the policy's max, estimated memory from a MEMORY USAGE
 * sample and its share of the namespace budget; and the keys that belong to no namespace.
 */
export async function auditKeyspace<N extends string>(
  redis: RedisClient,
  keyspace: Keyspace<N>,
  options: AuditOptions = {},
): Promise<KeyspaceAudit> {
  const {
    sampleSize = 50,
    scanCount = 1_000,
    maxKeys = 1_000_000,
    examples = 5,
  } = parseOrThrow(optionsSchema, options, 'audit options')
  const tallies = new Map<string, Tally>(
    keyspace.namespaces.map((ns) => [
      ns.name,
      { keys: 0, withoutTtl: 0, untimed: 0, ttlAboveMax: 0, sample: [] },
    ]),
  )
  const untimed = new Map(
    keyspace.namespaces.map((ns) => [ns.name, untimedMatcher(ns.keyPrefix, ns.untimedKeys)]),
  )
  const unclassified = { count: 0, examples: [] as string[] }
  const nodes: string[] = []
  let scanned = 0
  let complete = true

  const step = options.step ?? direct
  scan: for (const node of mastersToScan(redis)) {
    nodes.push(nodeLabel(node))
    let cursor = '0'
    do {
      options.signal?.throwIfAborted()
      const page = await step(() => scanPage(node, cursor, keyspace, scanCount))
      cursor = page.cursor
      const { keys, owned, ttls } = page
      for (const key of keys) {
        if (keyspace.classify(key) !== undefined) continue
        unclassified.count++
        if (unclassified.examples.length < examples) unclassified.examples.push(key.slice(0, EXAMPLE_LENGTH))
      }
      owned.forEach(({ key, name }, i) => {
        const pttl = Number(ttls[i])
        if (pttl === -2) return // expired or deleted since the SCAN
        const tally = tallies.get(name) as Tally
        tally.keys++
        if (pttl === -1) {
          if (untimed.get(name)?.(key)) tally.untimed++
          else tally.withoutTtl++
        } else if (pttl > keyspace.namespace(name).ttl.maxMs) tally.ttlAboveMax++
        // Reservoir sampling: every key of the namespace has the same chance to be measured.
        if (tally.sample.length < sampleSize) tally.sample.push({ node, key })
        else {
          const slot = Math.floor(Math.random() * tally.keys)
          if (slot < sampleSize) tally.sample[slot] = { node, key }
        }
      })
      scanned += keys.length
      if (scanned >= maxKeys) {
        complete = false
        break scan
      }
    } while (cursor !== '0')
  }

  const namespaces: NamespaceAudit[] = []
  for (const ns of keyspace.namespaces) {
    const tally = tallies.get(ns.name) as Tally
    const sizes = await measure(tally.sample, step, options.signal)
    const mean = sizes.length === 0 ? undefined : sizes.reduce((sum, size) => sum + size, 0) / sizes.length
    const estimatedBytes = mean === undefined ? undefined : Math.round(mean * tally.keys)
    namespaces.push({
      namespace: ns.name,
      prefix: ns.prefix,
      flushClass: ns.flushClass,
      keys: tally.keys,
      withoutTtl: tally.withoutTtl,
      untimed: tally.untimed,
      ttlAboveMax: tally.ttlAboveMax,
      sampledKeys: sizes.length,
      estimatedBytes,
      memoryBudgetBytes: ns.memoryBudgetBytes,
      budgetUse:
        estimatedBytes === undefined || ns.memoryBudgetBytes === undefined
          ? undefined
          : estimatedBytes / ns.memoryBudgetBytes,
    })
  }
  return { nodes, scanned, complete, memoryIsEstimate: true, namespaces, unclassified }
}

/** One SCAN page of a node, with the PTTL of each key a namespace owns (one more round trip). */
async function scanPage<N extends string>(node: Redis, cursor: string, keyspace: Keyspace<N>, count: number) {
  const [next, keys] = await node.scan(cursor, 'MATCH', keyspace.scanPattern, 'COUNT', count)
  const owned: { key: string; name: N }[] = []
  for (const key of keys) {
    const name = keyspace.classify(key)
    if (name !== undefined) owned.push({ key, name })
  }
  const ttls =
    owned.length === 0
      ? []
      : await perKeyPipeline(
          node,
          ['pttl'],
          owned.map((o) => o.key),
        )
  return { cursor: next, keys, owned, ttls }
}

/** MEMORY USAGE of each sampled key, one pipeline per node; keys gone since the scan are skipped. */
async function measure(
  sample: readonly Sample[],
  step: NonNullable<AuditOptions['step']>,
  signal?: AbortSignal,
): Promise<number[]> {
  const byNode = new Map<Redis, Sample[]>()
  for (const entry of sample) byNode.set(entry.node, [...(byNode.get(entry.node) ?? []), entry])
  const sizes: number[] = []
  for (const [node, entries] of byNode) {
    signal?.throwIfAborted()
    const replies = await step(() =>
      perKeyPipeline(
        node,
        ['memory', 'usage'],
        entries.map((e) => e.key),
      ),
    )
    for (const reply of replies) if (typeof reply === 'number') sizes.push(reply)
  }
  return sizes
}

/** Whether a key of the namespace is one of its `untimedKeys` (`*` matches any characters). */
function untimedMatcher(keyPrefix: string, patterns: readonly string[]): (key: string) => boolean {
  if (patterns.length === 0) return () => false
  const literal = (text: string) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&')
  const tails = patterns.map((pattern) => pattern.split('*').map(literal).join('.*'))
  const matcher = new RegExp(`^${literal(keyPrefix)}(?:${tails.join('|')})$`)
  return (key) => matcher.test(key)
}
