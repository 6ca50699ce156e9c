import type { RedisHealth, RedisNodeHealth } from '@redlayer/connection'
import { evictionRisk, formatByteSize, persistenceRisk, type ResolvedNamespace } from '@redlayer/keyspace'
import type { SentinelReport } from './sentinel-probe.js'

export type CheckStatus = 'ok' | 'warn' | 'fail'

/** One finding of `redlayer doctor`. */
export interface DoctorCheck {
  readonly id: string
  readonly status: CheckStatus
  readonly message: string
}

export interface DoctorInput {
  readonly health: RedisHealth
  readonly namespaces: readonly ResolvedNamespace[]
  /** Sentinel mode only: what each configured sentinel said. */
  readonly sentinels?: readonly SentinelReport[]
}

const RANK: Record<CheckStatus, number> = { ok: 0, warn: 1, fail: 2 }

/** The worst status of some checks (`ok` for none). */
export function worstStatus(statuses: readonly CheckStatus[]): CheckStatus {
  return statuses.reduce<CheckStatus>((worst, s) => (RANK[s] > RANK[worst] ? s : worst), 'ok')
}

/** The nodes a per-node check looks at: every master in cluster mode, else the one server. */
function nodesOf(health: RedisHealth): readonly RedisNodeHealth[] {
  return health.mode === 'cluster' ? health.nodes : [health]
}

/** A per-node check: the worst node decides, its address is named when there are several. */
function perNode(
  id: string,
  health: RedisHealth,
  check: (node: RedisNodeHealth) => Omit<DoctorCheck, 'id'>,
): DoctorCheck {
  const nodes = nodesOf(health)
  const results = nodes.map((node) => ({ node, ...check(node) }))
  const status = worstStatus(results.map((r) => r.status))
  const shown = results.filter((r) => r.status === status)
  const message =
    nodes.length === 1
      ? (shown[0]?.message ?? '')
      : [...new Set(shown.map((r) => r.message))]
          .map(
            (m) =>
              `${m} (${shown
                .filter((r) => r.message === m)
                .map((r) => r.node.address)
                .join(', ')})`,
          )
          .join('; ')
  return { id, status, message }
}

// ADR-0011 / ADR-0013: the rule is the keyspace's (`evictionRisk`), shared with the example's start-up check.
function evictionPolicy(input: DoctorInput): DoctorCheck {
  return perNode('eviction-policy', input.health, ({ maxmemoryPolicy: policy }) => {
    if (policy === null)
      return { status: 'warn', message: 'maxmemory-policy is unknown (INFO did not report it)' }
    const { status, message } = evictionRisk(policy, input.namespaces)
    return { status, message }
  })
}

// Writes (every package writes) fail with READONLY on a replica: a REDIS_URL that names one is a mistake.
function role(input: DoctorInput): DoctorCheck {
  return perNode('role', input.health, ({ role: nodeRole }) => {
    if (nodeRole === 'master') return { status: 'ok', message: 'connected to a primary' }
    if (nodeRole === null) return { status: 'warn', message: 'the role is unknown (INFO did not report it)' }
    return {
      status: 'fail',
      message: `connected to a ${nodeRole === 'slave' ? 'replica' : nodeRole}: every write fails with READONLY`,
    }
  })
}

function maxmemory(input: DoctorInput): DoctorCheck {
  const budgets = input.namespaces.reduce((sum, ns) => sum + (ns.memoryBudgetBytes ?? 0), 0)
  const unset = nodesOf(input.health).filter((node) => node.maxmemoryBytes === 0)
  if (unset.length > 0)
    return {
      id: 'maxmemory',
      status: 'warn',
      message: `maxmemory is not set on ${unset.map((n) => n.address).join(', ')}: Redis grows until the machine runs out of memory and the eviction policy never applies`,
    }
  const limit = input.health.maxmemoryBytes
  if (limit === null)
    return { id: 'maxmemory', status: 'warn', message: 'maxmemory is unknown (INFO did not report it)' }
  if (budgets > limit)
    return {
      id: 'maxmemory',
      status: 'warn',
      message: `the namespace budgets add up to ${formatByteSize(budgets)}, more than maxmemory ${formatByteSize(limit)}`,
    }
  return {
    id: 'maxmemory',
    status: 'ok',
    message: `maxmemory ${formatByteSize(limit)}${budgets > 0 ? `; namespace budgets add up to ${formatByteSize(budgets)}` : ''}`,
  }
}

// ADR-0011 / ADR-0030: the rule is the keyspace's (`persistenceRisk`), shared with the example's start-up check.
function persistence(input: DoctorInput): DoctorCheck {
  return perNode('persistence', input.health, (node) => {
    const { status, message } = persistenceRisk(node.persistence, input.namespaces)
    return { status, message }
  })
}

function replicas(input: DoctorInput): DoctorCheck {
  const { mode } = input.health
  return perNode('replicas', input.health, ({ replicas: count }) => {
    if (count === null) return { status: 'warn', message: 'the number of replicas is unknown' }
    if (count > 0) return { status: 'ok', message: `${count} connected replica(s)` }
    if (mode === 'sentinel')
      return { status: 'fail', message: 'no connected replica: Sentinel has nothing to promote on a failure' }
    return {
      status: 'warn',
      message:
        mode === 'cluster'
          ? 'a master without a replica: its slots go down with it'
          : 'no replica: the data lives on one machine',
    }
  })
}

function sentinelChecks(reports: readonly SentinelReport[]): DoctorCheck[] {
  const reachable = reports.filter((r) => r.reachable)
  const quorum = Math.max(0, ...reachable.map((r) => r.quorum ?? 0))
  const unreachable = reports
    .filter((r) => !r.reachable)
    .map((r) => `${r.address} (${r.error ?? 'no answer'})`)
  const reach: DoctorCheck =
    reachable.length === 0
      ? {
          id: 'sentinels-reachable',
          status: 'fail',
          message: `no sentinel answered: ${unreachable.join(', ')}`,
        }
      : {
          id: 'sentinels-reachable',
          status: reachable.length < quorum ? 'fail' : reachable.length < reports.length ? 'warn' : 'ok',
          message: `${reachable.length} of ${reports.length} configured sentinels answer (quorum ${quorum})${unreachable.length > 0 ? `; unreachable: ${unreachable.join(', ')}` : ''}`,
        }
  const failing = reachable.filter((r) => r.ckquorum?.ok !== true)
  const first = reachable[0]
  const ckquorum: DoctorCheck =
    first === undefined
      ? { id: 'sentinel-quorum', status: 'fail', message: 'no sentinel could be asked for CKQUORUM' }
      : failing.length > 0
        ? {
            id: 'sentinel-quorum',
            status: 'fail',
            message: failing
              .map((r) => `${r.address}: ${r.ckquorum?.message ?? r.error ?? 'unknown'}`)
              .join('; '),
          }
        : {
            id: 'sentinel-quorum',
            status:
              first.otherSentinels !== undefined && quorum <= (first.otherSentinels + 1) / 2 ? 'warn' : 'ok',
            message:
              first.otherSentinels !== undefined && quorum <= (first.otherSentinels + 1) / 2
                ? `quorum ${quorum} of ${first.otherSentinels + 1} sentinels is not a majority: a minority can declare the primary down (${first.ckquorum?.message})`
                : `quorum ${quorum}: ${first.ckquorum?.message}`,
          }
  return [reach, ckquorum]
}

function clusterState(health: RedisHealth): DoctorCheck {
  const failed = health.nodes.filter((node) => !node.ok)
  if (health.clusterState === 'ok' && failed.length === 0)
    return {
      id: 'cluster-state',
      status: 'ok',
      message: `cluster_state ok, ${health.nodes.length} masters answer`,
    }
  return {
    id: 'cluster-state',
    status: 'fail',
    message: `cluster_state ${health.clusterState ?? 'unknown'}${failed.length > 0 ? `; failing masters: ${failed.map((n) => `${n.address} (${n.error ?? 'unknown'})`).join(', ')}` : ''}`,
  }
}

/**
 * The server settings against what the keyspace needs (ADR-0011, ADR-0013, ADR-0015): role,
 * eviction policy, maxmemory, persistence, replicas, and the Sentinel quorum or the cluster state.
 */
export function doctorChecks(input: DoctorInput): DoctorCheck[] {
  const checks = [role(input), evictionPolicy(input), maxmemory(input), persistence(input), replicas(input)]
  if (input.health.mode === 'sentinel') checks.push(...sentinelChecks(input.sentinels ?? []))
  if (input.health.mode === 'cluster') checks.push(clusterState(input.health))
  return checks
}
