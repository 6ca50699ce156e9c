import { type RedisClient, RedlayerError } from '@redlayer/connection'
import { parseOrThrow } from '@redlayer/connection/internal'
import type { Redis } from 'ioredis'
import { z } from 'zod'
import type { FlushClass } from './definition.js'
import type { Keyspace } from './keyspace.js'
import { mastersToScan, nodeLabel, perKeyPipeline, scanBatches } from './scan.js'

/** A pino-style logger (`logger.warn(record, message)`); Fastify's and pino's fit. */
export interface KeyspaceLogger {
  info(record: object, message: string): void
  warn(record: object, message: string): void
}

export interface FlushProgress {
  readonly node: string
  readonly scanned: number
  readonly matched: number
  readonly deleted: number
}

export interface FlushOptions {
  /** Count what would be deleted, delete nothing. Allowed without `force` for `disruptive`. */
  dryRun?: boolean
  /** SCAN COUNT and the most keys per UNLINK round trip; 500 by default. */
  batchSize?: number
  /** Required (with `reason`) to flush a `disruptive` namespace. */
  force?: boolean
  /** Why a `disruptive` namespace is flushed; goes into the audit record. */
  reason?: string
  signal?: AbortSignal
  /** Called after each batch, with the running totals of the node. */
  onProgress?: (progress: FlushProgress) => void
  /** Receives the audit record of every flush that is not a dry run. */
  logger?: KeyspaceLogger
}

export interface FlushNodeResult {
  readonly node: string
  /** Keys the SCAN pattern returned. */
  readonly scanned: number
  /** Of those, keys that belong to the namespace (a nested namespace's keys excluded). */
  readonly matched: number
  readonly deleted: number
}

/** What a flush did, for logs and audits: counts only, never keys or values. */
export interface FlushAuditRecord {
  readonly event: 'keyspace.flush'
  readonly namespace: string
  readonly flushClass: FlushClass
  readonly reason: string | undefined
  readonly forced: boolean
  readonly outcome: 'completed' | 'failed'
  readonly scanned: number
  readonly deleted: number
  readonly nodes: number
  readonly startedAt: string
  readonly finishedAt: string
}

export interface FlushResult extends Omit<FlushNodeResult, 'node'> {
  readonly namespace: string
  readonly flushClass: FlushClass
  readonly dryRun: boolean
  readonly perNode: readonly FlushNodeResult[]
  /** The audit record (absent for a dry run). */
  readonly audit: FlushAuditRecord | undefined
}

const optionsSchema = z.object({
  dryRun: z.boolean().optional(),
  batchSize: z.number().int().min(1).max(100_000).optional(),
  force: z.boolean().optional(),
  reason: z.string().max(1_000).optional(),
})

function refuse(code: 'E_FLUSH_FORBIDDEN' | 'E_FLUSH_REFUSED', message: string, namespace: string): never {
  throw new RedlayerError(code, message, { details: { namespace } })
}

async function unlinkAll(node: Redis, keys: readonly string[], cluster: boolean): Promise<number> {
  // ADR-0011: on Cluster, keys of one node span many slots and a multi-key UNLINK would fail
  // with CROSSSLOT; one UNLINK per key in one pipeline costs the same single round trip.
  if (cluster)
    return (await perKeyPipeline(node, ['unlink'], keys)).reduce<number>((sum, n) => sum + Number(n), 0)
  return node.unlink(...keys)
}

/**
 * Deletes every key of `namespace` with SCAN + UNLINK on every master, within its flush class
 * (ADR-0011): `safe` flushes; `disruptive` needs `force: true` and a `reason`, else
 * `E_FLUSH_REFUSED`; `forbidden` always throws `E_FLUSH_FORBIDDEN`. Each scanned key is checked
 * with `keyspace.classify`, so a nested namespace (`cache:query` inside `cache`) is never touched.
 */
export async function flushNamespace<N extends string>(
  redis: RedisClient,
  keyspace: Keyspace<N>,
  namespace: N,
  options: FlushOptions = {},
): Promise<FlushResult> {
  const ns = keyspace.namespace(namespace)
  const parsed = parseOrThrow(optionsSchema, options, 'flush options')
  const { dryRun = false, batchSize = 500, force = false } = parsed
  const reason = parsed.reason?.trim() || undefined
  if (ns.flushClass === 'forbidden') {
    refuse(
      'E_FLUSH_FORBIDDEN',
      `namespace ${ns.name} is flush-forbidden (flushing it breaks correctness)`,
      ns.name,
    )
  }
  if (ns.flushClass === 'disruptive' && !dryRun && (!force || reason === undefined)) {
    refuse('E_FLUSH_REFUSED', `namespace ${ns.name} is disruptive: pass force: true and a reason`, ns.name)
  }

  const startedAt = new Date().toISOString()
  const perNode: FlushNodeResult[] = []
  let outcome: FlushAuditRecord['outcome'] = 'failed'
  let audit: FlushAuditRecord | undefined
  const totals = () => ({
    scanned: perNode.reduce((sum, n) => sum + n.scanned, 0),
    matched: perNode.reduce((sum, n) => sum + n.matched, 0),
    deleted: perNode.reduce((sum, n) => sum + n.deleted, 0),
  })
  const auditRecord = (): FlushAuditRecord => ({
    event: 'keyspace.flush',
    namespace: ns.name,
    flushClass: ns.flushClass,
    reason,
    forced: force,
    outcome,
    scanned: totals().scanned,
    deleted: totals().deleted,
    nodes: perNode.length,
    startedAt,
    finishedAt: new Date().toISOString(),
  })
  try {
    for (const node of mastersToScan(redis)) {
      const current = { node: nodeLabel(node), scanned: 0, matched: 0, deleted: 0 }
      perNode.push(current)
      for await (const keys of scanBatches(node, ns.pattern, batchSize, options.signal)) {
        current.scanned += keys.length
        const own = keys.filter((key) => keyspace.classify(key) === ns.name)
        current.matched += own.length
        if (!dryRun && own.length > 0) current.deleted += await unlinkAll(node, own, redis.isCluster)
        options.onProgress?.({ ...current })
      }
    }
    outcome = 'completed'
  } finally {
    if (!dryRun) {
      audit = auditRecord()
      if (ns.flushClass === 'disruptive') options.logger?.warn(audit, 'disruptive keyspace flush')
      else options.logger?.info(audit, 'keyspace flush')
    }
  }
  return {
    namespace: ns.name,
    flushClass: ns.flushClass,
    dryRun,
    ...totals(),
    perNode: perNode.map((node) => ({ ...node })),
    audit,
  }
}
