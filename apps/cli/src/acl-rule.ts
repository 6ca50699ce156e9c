import type { NamespaceKind, ResolvedNamespace } from '@redlayer/keyspace'

/**
 * What every redlayer client sends whatever the package (ADR-0010): the handshake (HELLO for RESP3,
 * CLIENT SETNAME, SELECT of a REDIS_URL /db), the ready check and health (INFO, PING), the
 * packages' Lua through ioredis `defineCommand` (EVALSHA, then EVAL on NOSCRIPT), and what a
 * Cluster client needs (the slot map, CLUSTER INFO, READONLY on replicas' connections, ASKING on
 * a redirection). AUTH is always allowed.
 */
export const ACL_CONNECTION_COMMANDS = [
  'hello',
  'client|setname',
  'select',
  'info',
  'ping',
  'quit',
  'evalsha',
  'eval',
  'cluster|slots',
  'cluster|info',
  'readonly',
  'asking',
] as const

/**
 * ADR-0010 (issue 17): the commands each package sends, its scripts' included (a script runs with its
 * caller's rights), and nothing else: read from the packages' Lua and measured with INFO
 * commandstats while `apps/cli/test/package-drivers.ts` drives each public API.
 */
export const ACL_PACKAGE_COMMANDS: Readonly<Record<NamespaceKind, readonly string[]>> = {
  // Entries, tag and delete versions, the epoch (scripts); MGET of a batch; the bus and the
  // distributed single-flight lease (PUBLISH, SUBSCRIBE); clear walks with SCAN and UNLINK; a
  // soft delete rewrites an entry's expiry in place (GETRANGE, SETRANGE).
  cache: [
    'get',
    'mget',
    'getrange',
    'set',
    'setrange',
    'del',
    'exists',
    'pexpire',
    'pttl',
    'time',
    'publish',
    'subscribe',
    'unsubscribe',
    'scan',
    'unlink',
  ],
  // The token bucket script: buckets are strings read and written with Redis TIME; reset deletes.
  ratelimit: ['get', 'set', 'del', 'time'],
  // Leases, fence counters, semaphores and fair-waiting queues as sorted sets (scripts); release
  // wake-ups; WAIT for replicas.
  lock: [
    'get',
    'set',
    'del',
    'exists',
    'incr',
    'pexpire',
    'pexpireat',
    'pttl',
    'time',
    'zadd',
    'zcard',
    'zrange',
    'zrangebyscore',
    'zrank',
    'zrem',
    'zremrangebyscore',
    'zscore',
    'publish',
    'subscribe',
    'unsubscribe',
    'wait',
  ],
  // Meta and state hashes, the event list, the event-id window (a zset trimmed by rank, TYPE to
  // convert a set left by an earlier release), the owner index, revocation (scripts); the express
  // store's reads, index, revocation marks and pages (SCAN); WAIT for the durability option.
  session: [
    'exists',
    'type',
    'del',
    'hget',
    'hgetall',
    'hmget',
    'hset',
    'hdel',
    'hexists',
    'llen',
    'lrange',
    'ltrim',
    'rpush',
    'sadd',
    'srem',
    'smembers',
    'zadd',
    'zrange',
    'zrem',
    'zremrangebyrank',
    'zscore',
    'pexpire',
    'pttl',
    'time',
    'scan',
    'unlink',
    'wait',
  ],
}

/** Packages whose keys include pub/sub channels (the cache bus, the lock release wake-ups). */
const CHANNEL_PACKAGES: ReadonlySet<NamespaceKind> = new Set(['cache', 'lock'])

export interface AclRule {
  readonly user: string
  readonly namespaces: readonly string[]
  /** The packages the rule serves (each namespace's kind, or `--packages`). */
  readonly packages: readonly NamespaceKind[]
  /** `~pattern` per namespace: the keys it may touch. */
  readonly keyPatterns: readonly string[]
  /** `&pattern` per namespace of a package that uses pub/sub (its channels are keys of it). */
  readonly channelPatterns: readonly string[]
  /** `+command` for each command the packages and the connection send; nothing else. */
  readonly commands: readonly string[]
  /** Every argument after `ACL SETUSER <user>`, in order. */
  readonly rules: readonly string[]
  /** The whole command, without a password: append `>password` or `#<sha256>` yourself. */
  readonly command: string
}

export const ACL_USER_NAME = /^[A-Za-z0-9_.-]{1,64}$/

/**
 * An `ACL SETUSER` rule with the least rights a service needs for some namespaces, each used by
 * the packages `uses` names: their key patterns, channel patterns only where that package uses
 * pub/sub, and only the commands of those packages and of the connection (`-@all` first). `reset`
 * first, so no earlier grant survives; no password, which the operator adds (the CLI never
 * handles secrets).
 */
export function buildAclRule(
  user: string,
  uses: readonly { readonly ns: ResolvedNamespace; readonly kind: NamespaceKind }[],
): AclRule {
  const namespaces = [...new Set(uses.map((use) => use.ns))]
  const packages = [...new Set(uses.map((use) => use.kind))]
  const keyPatterns = namespaces.map((ns) => `~${ns.pattern}`)
  const channelPatterns = [
    ...new Set(uses.filter((use) => CHANNEL_PACKAGES.has(use.kind)).map((use) => `&${use.ns.pattern}`)),
  ]
  const commands = [
    ...new Set([...ACL_CONNECTION_COMMANDS, ...packages.flatMap((kind) => ACL_PACKAGE_COMMANDS[kind])]),
  ]
  const rules = ['reset', 'on', ...keyPatterns, ...channelPatterns, '-@all', ...commands.map((c) => `+${c}`)]
  return {
    user,
    namespaces: namespaces.map((ns) => ns.name),
    packages,
    keyPatterns,
    channelPatterns,
    commands,
    rules,
    command: ['ACL', 'SETUSER', user, ...rules].join(' '),
  }
}
