import type { ResolvedNamespace } from './definition.js'

/** How badly a server setting (eviction, persistence) treats a keyspace: `fail` breaks a declared guarantee. */
export interface GuaranteeRisk {
  readonly status: 'ok' | 'warn' | 'fail'
  readonly message: string
  /** The namespaces whose guarantee the policy breaks (`fail`) or dents (`warn`). */
  readonly namespaces: readonly string[]
}

const names = (namespaces: readonly ResolvedNamespace[]) => namespaces.map((ns) => ns.name).join(', ')

/**
 * What `maxmemory-policy` may do to the namespaces (ADR-0011, ADR-0013). Every redlayer key has a
 * TTL, so `volatile-*` policies can evict any of them, locks included. Evicting a lock key breaks
 * mutual exclusion (a second holder is granted it while the first works), so any evicting policy
 * with a `forbidden` namespace fails; `allkeys-*` with a `disruptive` namespace (sessions: users
 * are logged out, their events gone) fails too, `volatile-*` there warns. `noeviction` refuses
 * writes instead (ADR-0013: every package then does what its namespace declares).
 */
export function evictionRisk(policy: string, namespaces: readonly ResolvedNamespace[]): GuaranteeRisk {
  if (policy === 'noeviction') {
    return {
      status: 'ok',
      message: 'noeviction: when memory is full, writes fail instead of keys being evicted',
      namespaces: [],
    }
  }
  const forbidden = namespaces.filter((ns) => ns.flushClass === 'forbidden')
  const disruptive = namespaces.filter((ns) => ns.flushClass === 'disruptive')
  const scope = policy.startsWith('allkeys-') ? 'any key' : 'any key with a TTL (every redlayer key has one)'
  if (forbidden.length > 0) {
    return {
      status: 'fail',
      message: `${policy} may evict ${scope}, including the keys of ${names(forbidden)} (flush-forbidden: evicting a lock breaks mutual exclusion); use noeviction`,
      namespaces: forbidden.map((ns) => ns.name),
    }
  }
  if (disruptive.length > 0) {
    return {
      status: policy.startsWith('allkeys-') ? 'fail' : 'warn',
      message: `${policy} may evict ${scope}, including the keys of ${names(disruptive)} (disruptive: users notice); prefer noeviction`,
      namespaces: disruptive.map((ns) => ns.name),
    }
  }
  return { status: 'ok', message: `${policy}: every namespace is safe to evict`, namespaces: [] }
}
