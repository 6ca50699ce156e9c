import type { ResolvedNamespace } from '@redlayer/keyspace'

/**
 * The commands a service using redlayer sends, read from the packages (ADR-0010, ADR-0011):
 * data commands through the @read/@write categories minus @dangerous (KEYS, FLUSHDB, FLUSHALL,
 * CONFIG, SORT, MIGRATE, RESTORE, INFO...), then the few that redlayer needs back.
 */
export const ACL_COMMAND_RULES = [
  '-@all',
  '+@read',
  '+@write',
  '-@dangerous',
  // Lua through ioredis defineCommand (cache, ratelimit, lock, session): EVALSHA, EVAL on NOSCRIPT.
  '+evalsha',
  '+eval',
  // Scripts read the clock with TIME (ADR-0012, ADR-0030).
  '+time',
  // flushNamespace and cache clear walk the namespace with SCAN and delete with UNLINK (ADR-0011).
  '+scan',
  '+unlink',
  // The cache bus and the lock release wake-ups (ADR-0020, ADR-0030).
  '+publish',
  '+subscribe',
  '+unsubscribe',
  // Lock and session writes may wait for replicas (WAIT).
  '+wait',
  // checkRedisHealth (PING, INFO) and the ioredis ready check (INFO).
  '+ping',
  '+info',
  // The connection itself: CLIENT SETNAME (connectionName), SELECT of a REDIS_URL /db.
  '+client|setname',
  '+select',
  // Cluster clients: the slot map (CLUSTER SLOTS), the ready check and health (CLUSTER INFO), ASK redirections.
  '+cluster|slots',
  '+cluster|info',
  '+asking',
] as const

export interface AclRule {
  readonly user: string
  readonly namespaces: readonly string[]
  /** `~pattern` per namespace: the keys it may touch. */
  readonly keyPatterns: readonly string[]
  /** `&pattern` per namespace: the pub/sub channels (the packages name them with keyspace keys). */
  readonly channelPatterns: readonly string[]
  /** Every argument after `ACL SETUSER <user>`, in order. */
  readonly rules: readonly string[]
  /** The whole command, without a password: append `>password` or `#<sha256>` yourself. */
  readonly command: string
}

export const ACL_USER_NAME = /^[A-Za-z0-9_.-]{1,64}$/

/**
 * An `ACL SETUSER` rule that confines a service to `namespaces`: their key patterns, the same
 * patterns for channels (the cache bus and lock release channels are keys of their namespace),
 * and the commands of `ACL_COMMAND_RULES`. `reset` first, so no earlier grant survives; no
 * password, which the operator adds (the CLI never handles secrets).
 */
export function buildAclRule(user: string, namespaces: readonly ResolvedNamespace[]): AclRule {
  const keyPatterns = namespaces.map((ns) => `~${ns.pattern}`)
  const channelPatterns = namespaces.map((ns) => `&${ns.pattern}`)
  const rules = ['reset', 'on', ...keyPatterns, ...channelPatterns, ...ACL_COMMAND_RULES]
  return {
    user,
    namespaces: namespaces.map((ns) => ns.name),
    keyPatterns,
    channelPatterns,
    rules,
    command: ['ACL', 'SETUSER', user, ...rules].join(' '),
  }
}
