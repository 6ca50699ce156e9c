import { auditKeyspace, formatByteSize, type KeyspaceAudit } from '@redlayer/keyspace'
import type { Command } from '../command.js'
import { EXIT } from '../exit-codes.js'
import { integerOption } from '../integer-option.js'
import { formatTable } from '../text-format.js'

/** A problem the audit found; any finding makes `redlayer audit` exit 1. */
export interface AuditFinding {
  readonly kind: 'without-ttl' | 'ttl-above-max' | 'over-budget' | 'unclassified' | 'incomplete'
  readonly namespace: string | null
  readonly message: string
}

/** What in an audit needs attention: leaking keys, TTLs above policy, budgets exceeded, stray keys. */
export function auditFindings(audit: KeyspaceAudit): AuditFinding[] {
  const findings: AuditFinding[] = []
  for (const ns of audit.namespaces) {
    if (ns.withoutTtl > 0)
      findings.push({
        kind: 'without-ttl',
        namespace: ns.namespace,
        message: `${ns.withoutTtl} keys of ${ns.namespace} have no TTL (they never expire)`,
      })
    if (ns.ttlAboveMax > 0)
      findings.push({
        kind: 'ttl-above-max',
        namespace: ns.namespace,
        message: `${ns.ttlAboveMax} keys of ${ns.namespace} have a TTL above the namespace's max`,
      })
    if (ns.budgetUse !== undefined && ns.budgetUse > 1)
      findings.push({
        kind: 'over-budget',
        namespace: ns.namespace,
        message: `${ns.namespace} uses about ${Math.round(ns.budgetUse * 100)}% of its memory budget`,
      })
  }
  if (audit.unclassified.count > 0)
    findings.push({
      kind: 'unclassified',
      namespace: null,
      message: `${audit.unclassified.count} keys under the application prefix belong to no namespace`,
    })
  if (!audit.complete)
    findings.push({
      kind: 'incomplete',
      namespace: null,
      message: `the scan stopped after ${audit.scanned} keys (--max-keys): counts are lower bounds`,
    })
  return findings
}

const percent = (use: number | undefined) => (use === undefined ? '-' : `${(use * 100).toFixed(1)}%`)

export const auditCommand: Command = {
  name: 'audit',
  summary: 'keys, keys without TTL, memory against budgets per namespace, and keys of no namespace',
  usage: [
    'redlayer audit [--sample-size N] [--max-keys N] [--json]',
    '  --sample-size N  keys per namespace measured with MEMORY USAGE (default 50)',
    '  --max-keys N     stop scanning after N keys (default 1000000)',
    'Exits 1 when it finds keys without TTL, TTLs above max, budgets exceeded or keys of no namespace.',
  ].join('\n'),
  options: { 'sample-size': { type: 'string' }, 'max-keys': { type: 'string' } },
  async run(context) {
    const sampleSize = integerOption(context.values, 'sample-size', 0, 10_000)
    const maxKeys = integerOption(context.values, 'max-keys', 1, Number.MAX_SAFE_INTEGER)
    const audit = await auditKeyspace(await context.redis(), context.keyspace, {
      signal: context.signal,
      ...(sampleSize === undefined ? {} : { sampleSize }),
      ...(maxKeys === undefined ? {} : { maxKeys }),
    })
    const findings = auditFindings(audit)
    const rows = audit.namespaces.map((ns) => [
      ns.namespace,
      ns.flushClass,
      String(ns.keys),
      String(ns.withoutTtl),
      String(ns.ttlAboveMax),
      ns.estimatedBytes === undefined ? '-' : `~${formatByteSize(ns.estimatedBytes)}`,
      ns.memoryBudgetBytes === undefined ? '-' : formatByteSize(ns.memoryBudgetBytes),
      percent(ns.budgetUse),
    ])
    const header = ['NAMESPACE', 'FLUSH', 'KEYS', 'NO TTL', 'TTL>MAX', 'MEMORY', 'BUDGET', 'USE']
    const text = [
      `Scanned ${audit.scanned} keys on ${audit.nodes.length} node(s)${audit.complete ? '' : ' (stopped early)'}; memory is estimated from samples`,
      formatTable([header, ...rows]),
      `Keys of no namespace: ${audit.unclassified.count}${audit.unclassified.examples.length > 0 ? ` (e.g. ${audit.unclassified.examples.join(', ')})` : ''}`,
      findings.length === 0
        ? 'No findings.'
        : ['Findings:', ...findings.map((f) => `  - ${f.message}`)].join('\n'),
    ].join('\n')
    return { exitCode: findings.length === 0 ? EXIT.ok : EXIT.failed, data: { ...audit, findings }, text }
  },
}
