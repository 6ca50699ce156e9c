import { readFileSync } from 'node:fs'
import type { ConnectionOptions } from 'node:tls'
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis'
import { coalesceWrites } from './coalesce-writes.js'
import type { RedisConfig } from './config.js'
import { followSwitchMaster } from './follow-switch-master.js'
import { reconnectDelayMs } from './reconnect-delay.js'
import { superviseRedis } from './supervise.js'

/** The one client type every redlayer package accepts. */
export type RedisClient = Redis | Cluster

/** Options that take precedence over the ones `createRedis` derives from the config. */
export interface CreateRedisOverrides {
  /** Shown in CLIENT LIST; `redlayer` by default. */
  connectionName?: string
  /** Merged into the options of every data-node connection (in cluster mode: `redisOptions`). */
  redisOptions?: RedisOptions
  /** Merged into the Cluster options (cluster mode only). */
  clusterOptions?: ClusterOptions
  /**
   * ADR-0010: the commands of one tick after its first leave in one socket write per connection.
   * On by default in cluster mode only: there a tick's batched reads and script calls split by
   * slot into many commands to each node, and coalescing measured 1.3x to 1.9x at 64 callers; on
   * standalone and Sentinel the packages already send one command per tick and it measured no
   * gain. `false` turns it off on Cluster; `true` on elsewhere (a service sending many commands of
   * its own on the connection gains, see the ADR).
   */
  coalesceWrites?: boolean
}

// ADR-0010: a write that met READONLY hit a demoted primary (a Sentinel failover in progress).
// Reconnect (the connector asks the sentinels for the new primary) but return 1, not 2: do not
// resend the failed command. The caller already got the error, or gave up on its command
// timeout, so a resend would apply a write the caller was told had failed.
function reconnectOnReadonly(error: Error): 1 | false {
  return error.message.startsWith('READONLY') ? 1 : false
}

/** How long a connection may owe replies without receiving a byte before it is replaced. */
function silentSocketMs(commandTimeoutMs: number): number {
  return Math.max(2 * commandTimeoutMs, 1_000)
}

// A wrapper, so that ioredis' second argument (the error) never reaches the jitter source.
const neverGiveUp = (attempt: number) => reconnectDelayMs(attempt)

function tlsOptions(config: RedisConfig): ConnectionOptions | undefined {
  if (!config.tls) return undefined
  return config.tlsCaFile ? { ca: readFileSync(config.tlsCaFile) } : {}
}

/** The options of one data-node connection: the fast-fail defaults of ADR-0010. */
function dataNodeOptions(config: RedisConfig, overrides: CreateRedisOverrides): RedisOptions {
  const tls = tlsOptions(config)
  return {
    connectionName: overrides.connectionName ?? 'redlayer',
    ...(config.username === undefined ? {} : { username: config.username }),
    ...(config.password === undefined ? {} : { password: config.password }),
    ...(tls === undefined ? {} : { tls }),
    connectTimeout: config.connectTimeoutMs,
    commandTimeout: config.commandTimeoutMs,
    // ADR-0010: a socket that receives nothing while replies are owed (a blackholed or half-open
    // TCP connection, a handshake a stuck peer never answers) is destroyed and reconnected; without
    // it such a client stays `ready` and times out every command until the kernel gives up.
    socketTimeout: silentSocketMs(config.commandTimeoutMs),
    // ADR-0010: one multiplexed connection. ioredis writes each command at once without waiting
    // for earlier replies, so concurrent callers already share the socket. Auto-pipelining (one
    // batch in flight at a time) measured slower here, with a p99 several times higher: opt-in,
    // as is coalescing a tick's writes (coalesceWrites).
    enableAutoPipelining: false,
    // ADR-0010: queue only until the first `ready` (switched off by `failFastOnceReady`).
    enableOfflineQueue: true,
    // ADR-0010: commands in flight when the socket drops fail at once (0: flushed on every
    // close) and are never resent: the caller decides, a blind resend could apply a write twice.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // ADR-0010: never give up reconnecting; callers fail fast meanwhile.
    retryStrategy: neverGiveUp,
    reconnectOnError: reconnectOnReadonly,
    ...overrides.redisOptions,
  }
}

// ADR-0010: commands issued while the client first connects wait for it (a service may send its
// first command before the handshake ends); once it has been ready, a command on a connection that
// is down fails at once instead of waiting for a reconnect that may take seconds.
// ADR-0010: and the client never stays ended (superviseRedis).
function failFastOnceReady<C extends RedisClient>(client: C): C {
  client.once('ready', () => {
    client.options.enableOfflineQueue = false
  })
  return superviseRedis(client)
}

/**
 * Creates the process's Redis client for the config: a `Redis` for standalone and Sentinel, a
 * `Cluster` for cluster mode, with the defaults of ADR-0010 (one multiplexed connection, command
 * and connect timeouts, offline queue off once connected, no resend of unfulfilled commands,
 * endless capped reconnects with jitter). The key prefix is NOT applied here: the keyspace does it.
 * The client connects at once; attach an `error` listener (ioredis logs unhandled ones).
 */
export function createRedis(config: RedisConfig, overrides: CreateRedisOverrides = {}): RedisClient {
  const client = createClient(config, overrides)
  // ADR-0010: coalesced by default on Cluster only.
  return (overrides.coalesceWrites ?? config.mode === 'cluster') ? coalesceWrites(client) : client
}

function createClient(config: RedisConfig, overrides: CreateRedisOverrides): RedisClient {
  const node = dataNodeOptions(config, overrides)
  switch (config.mode) {
    case 'standalone':
      return failFastOnceReady(new Redis(config.url, node))
    case 'sentinel': {
      const tls = node.tls
      // ADR-0015: and follow +switch-master while reconnecting too (followSwitchMaster).
      return followSwitchMaster(
        failFastOnceReady(
          new Redis({
            ...node,
            sentinels: config.sentinels,
            name: config.sentinelName,
            ...(config.sentinelUsername === undefined ? {} : { sentinelUsername: config.sentinelUsername }),
            ...(config.sentinelPassword === undefined ? {} : { sentinelPassword: config.sentinelPassword }),
            // REDIS_TLS covers the sentinels and the data nodes alike.
            ...(tls === undefined ? {} : { sentinelTLS: tls, enableTLSForSentinelMode: true }),
            // ADR-0015: follow a failover as soon as the sentinels announce it (+switch-master),
            // not only when the old primary's socket breaks.
            failoverDetector: true,
            sentinelRetryStrategy: neverGiveUp,
            sentinelCommandTimeout: config.connectTimeoutMs,
            ...overrides.redisOptions,
          }),
        ),
      )
    }
    case 'cluster': {
      // Cluster nodes never reconnect on their own: the Cluster replaces them after a slots refresh.
      const { retryStrategy: _perNodeRetry, enableOfflineQueue: _perNodeQueue, ...redisOptions } = node
      return failFastOnceReady(
        new Cluster(config.clusterNodes, {
          redisOptions,
          enableAutoPipelining: false,
          enableOfflineQueue: true,
          enableReadyCheck: true,
          clusterRetryStrategy: neverGiveUp,
          scaleReads: 'master',
          // ADR-0010: a slots refresh is bounded like a connect; the periodic refresh picks up a
          // failover or a reshard even without a MOVED reply.
          slotsRefreshTimeout: config.connectTimeoutMs,
          slotsRefreshInterval: 5_000,
          // ADR-0010: a few short retries on MOVED/ASK/CLUSTERDOWN/TRYAGAIN (at most ~0.5 s),
          // not ioredis' 16, so a cluster that is down costs a caller milliseconds.
          maxRedirections: 5,
          retryDelayOnFailover: 100,
          retryDelayOnClusterDown: 100,
          retryDelayOnTryAgain: 100,
          ...overrides.clusterOptions,
        }),
      )
    }
  }
}

/** The connections that own the keyspace: the client itself, or every cluster master. */
export function mastersOf(client: RedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client]
}

/**
 * A separate connection for a subscriber or a blocking command (BLPOP, XREAD BLOCK), so that it
 * never stalls the shared connection. It has no command timeout (a blocking call waits by design)
 * and no auto-pipelining; the rest (credentials, TLS, Sentinel, reconnects,
 * offline queue off once ready) is the same. The caller owns it: close it with `closeRedis()` when done.
 */
export function duplicateForBlocking(client: RedisClient, connectionName?: string): RedisClient {
  if (client instanceof Cluster) {
    const name = connectionName ?? `${client.options.redisOptions?.connectionName ?? 'redlayer'}:blocking`
    return failFastOnceReady(
      client.duplicate([], {
        enableAutoPipelining: false,
        enableOfflineQueue: true,
        redisOptions: {
          ...client.options.redisOptions,
          commandTimeout: undefined,
          socketTimeout: undefined, // a blocking call owes its reply for as long as it waits
          connectionName: name,
        },
      }),
    )
  }
  const name = connectionName ?? `${client.options.connectionName ?? 'redlayer'}:blocking`
  const duplicate = failFastOnceReady(
    client.duplicate({
      enableAutoPipelining: false,
      enableOfflineQueue: true,
      commandTimeout: undefined,
      socketTimeout: undefined, // a blocking call owes its reply for as long as it waits
      connectionName: name,
    }),
  )
  return duplicate.options.sentinels?.length ? followSwitchMaster(duplicate) : duplicate
}

/** The per-command timeout the client was created with (on Cluster: of its node connections). */
export function commandTimeoutOf(client: RedisClient): number | undefined {
  return client instanceof Cluster
    ? client.options.redisOptions?.commandTimeout
    : client.options.commandTimeout
}
