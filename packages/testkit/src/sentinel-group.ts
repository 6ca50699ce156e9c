import { randomBytes } from 'node:crypto'
import { type NodeAddress, withAdminClient } from './admin-client.js'
import { sharedConfig } from './config-files.js'
import { freePorts } from './free-port.js'
import { disposeAll, startAll } from './group-lifecycle.js'
import { pollUntil, type WaitOptions } from './poll.js'
import { retryOnPortClash } from './port-clash.js'
import { assertPassword, passwordEnv, RedisProcess } from './redis-process.js'
import { replicaCaughtUp } from './replica-caught-up.js'
import { type TestCertificates, tlsEnv } from './tls-certificates.js'

export interface SentinelGroupOptions {
  /** Extra redis.conf directives for the primary and the replica. */
  config?: readonly string[]
  /** A password the primary and the replica require (the sentinels use it to reach them). */
  password?: string
  /** Every node and sentinel listens with TLS only, with these certificates. */
  tls?: TestCertificates
  /** The master group name the sentinels monitor. */
  name?: string
  /** How many sentinels must agree that the primary is down; 2 of the 3 by default. */
  quorum?: number
  /** Bound on the whole start, readiness included. */
  readyTimeoutMs?: number
  signal?: AbortSignal
}

const SENTINEL_COUNT = 3
const MASTER_NAME = /^[A-Za-z0-9._-]{1,64}$/

/**
 * A primary, one replica and three sentinels on loopback, all real processes. Its `env` is what
 * `loadRedisConfig` reads for sentinel mode. Fault helpers: `primary()` (as the sentinels see it),
 * `failover()`, `waitForPrimaryChange()`, and every node's `RedisProcess` to pause, kill or restart.
 */
export class SentinelGroup implements AsyncDisposable {
  readonly name: string
  /** The data nodes, the first primary first; which one is primary now: `primary()`. */
  readonly nodes: readonly RedisProcess[]
  readonly sentinels: readonly RedisProcess[]

  private constructor(name: string, nodes: RedisProcess[], sentinels: RedisProcess[]) {
    this.name = name
    this.nodes = nodes
    this.sentinels = sentinels
  }

  /** Starts the group and resolves once all three sentinels agree on the primary and see the replica and each other. */
  static start(options: SentinelGroupOptions = {}): Promise<SentinelGroup> {
    return retryOnPortClash(() => SentinelGroup.#startOnce(options))
  }

  static async #startOnce(options: SentinelGroupOptions): Promise<SentinelGroup> {
    const name = options.name ?? 'mymaster'
    const quorum = options.quorum ?? 2
    // The name goes into config lines: no spaces or line breaks can slip in.
    if (!MASTER_NAME.test(name))
      throw new TypeError(`a master group name matches ${MASTER_NAME}, got ${JSON.stringify(name)}`)
    assertPassword(options.password)
    if (!Number.isInteger(quorum) || quorum < 1 || quorum > SENTINEL_COUNT) {
      throw new RangeError(`the quorum is an integer in [1, ${SENTINEL_COUNT}], got ${quorum}`)
    }
    const readyTimeoutMs = options.readyTimeoutMs ?? 30_000
    const [primaryPort, replicaPort, ...sentinelPorts] = await freePorts(2 + SENTINEL_COUNT)
    if (primaryPort === undefined || replicaPort === undefined) throw new Error('no free ports')
    const dataConfig = [...sharedConfig('redis-primary.conf'), ...(options.config ?? [])]
    // Sentinels learn about each other from hello messages every 2 s and about replicas from
    // INFO every 10 s. Seeding what they would learn (their ids, the replica) saves those seconds
    // on every start; readiness below still checks that they really see it all.
    const ids = sentinelPorts.map(() => randomBytes(20).toString('hex'))
    const sentinelConfig = (index: number) => [
      `sentinel myid ${ids[index]}`,
      `sentinel monitor ${name} 127.0.0.1 ${primaryPort} ${quorum}`,
      ...sharedConfig('sentinel.conf').map((line) => line.replace(' mymaster ', ` ${name} `)),
      `sentinel known-replica ${name} 127.0.0.1 ${replicaPort}`,
      ...(options.password === undefined ? [] : [`sentinel auth-pass ${name} ${options.password}`]),
      ...sentinelPorts.flatMap((other, j) =>
        j === index ? [] : [`sentinel known-sentinel ${name} 127.0.0.1 ${other} ${ids[j]}`],
      ),
    ]
    // Data nodes first, then the sentinels: a sentinel that finds a node not listening yet
    // retries only after a second, and meanwhile marks it down.
    const [primary, replica] = await startAll([
      RedisProcess.start({
        port: primaryPort,
        config: dataConfig,
        password: options.password,
        tls: options.tls,
      }),
      RedisProcess.start({
        port: replicaPort,
        config: dataConfig,
        password: options.password,
        tls: options.tls,
      }),
    ])
    if (!primary || !replica) throw new Error('data nodes did not start')
    const sentinels: RedisProcess[] = []
    try {
      // REPLICAOF as a command starts the sync at once; from the config file it waits for the
      // next replication tick (up to 1 s). CONFIG REWRITE keeps it for a restart.
      await withAdminClient(replica, async (redis) => {
        await redis.call('REPLICAOF', primary.host, primary.port)
        await redis.call('CONFIG', 'REWRITE')
      })
      sentinels.push(
        ...(await startAll(
          sentinelPorts.map((port, index) =>
            RedisProcess.start({ port, sentinel: true, config: sentinelConfig(index), tls: options.tls }),
          ),
        )),
      )
      const group = new SentinelGroup(name, [primary, replica], sentinels)
      await group.waitUntilHealthy({ timeoutMs: readyTimeoutMs, signal: options.signal })
      return group
    } catch (error) {
      await disposeAll([...sentinels, primary, replica])
      throw error
    }
  }

  /** The sentinels' addresses, as `loadRedisConfig` wants them in REDIS_SENTINELS. */
  get sentinelAddresses(): NodeAddress[] {
    return this.sentinels.map((sentinel) => sentinel.address)
  }

  /** The environment `loadRedisConfig` reads to connect to this group. */
  get env(): Record<string, string> {
    return {
      REDIS_MODE: 'sentinel',
      REDIS_SENTINELS: this.sentinels.map((sentinel) => `${sentinel.host}:${sentinel.port}`).join(','),
      REDIS_SENTINEL_NAME: this.name,
      ...passwordEnv(this.nodes[0]?.password),
      ...tlsEnv(this.nodes[0]?.certificates),
    }
  }

  /** The primary as a reachable sentinel reports it. */
  async primary(): Promise<RedisProcess> {
    for (const sentinel of this.#reachableSentinels()) {
      try {
        return this.#nodeAt(await this.#askPrimaryPort(sentinel))
      } catch {
        // try the next sentinel
      }
    }
    throw new Error(`no sentinel of ${this.name} could name its primary`)
  }

  /** The data nodes that are not the current primary. */
  async replicas(): Promise<RedisProcess[]> {
    const primary = await this.primary()
    return this.nodes.filter((node) => node !== primary)
  }

  /**
   * SENTINEL FAILOVER, then waits until every reachable sentinel names the new primary and it
   * accepts writes. Returns the new primary.
   */
  async failover(options: WaitOptions = {}): Promise<RedisProcess> {
    const timeoutMs = options.timeoutMs ?? 20_000
    const old = await this.primary()
    const startedAt = Date.now()
    // NOGOODSLAVE: the sentinel has not yet refreshed its view of the replica (INFO every
    // 10 s); INPROG: a failover already runs, which is what was asked for.
    await pollUntil(
      async () => {
        const [sentinel] = this.#reachableSentinels()
        if (!sentinel) throw new Error('no reachable sentinel')
        try {
          await withAdminClient(sentinel, (redis) => redis.call('SENTINEL', 'FAILOVER', this.name))
          return true
        } catch (error) {
          if (error instanceof Error && error.message.startsWith('INPROG')) return true
          throw error
        }
      },
      {
        timeoutMs,
        signal: options.signal,
        intervalMs: 200,
        what: `a sentinel of ${this.name} to start a failover`,
      },
    )
    return this.waitForPrimaryChange(
      old.port,
      Math.max(1, timeoutMs - (Date.now() - startedAt)),
      options.signal,
    )
  }

  /**
   * Waits until every reachable sentinel names a primary other than the one on `oldPort`, and that
   * primary accepts writes. Returns it.
   */
  async waitForPrimaryChange(
    oldPort: number,
    timeoutMs = 20_000,
    signal?: AbortSignal,
  ): Promise<RedisProcess> {
    return pollUntil(
      async () => {
        const port = await this.#agreedPrimaryPort()
        if (port === undefined || port === oldPort) return undefined
        const node = this.#nodeAt(port)
        return (await acceptsWrites(node)) ? node : undefined
      },
      {
        timeoutMs,
        signal,
        intervalMs: 100,
        what: `sentinels of ${this.name} to elect a primary other than :${oldPort}`,
      },
    )
  }

  /** Kills every process of the group and removes their directories. */
  async [Symbol.asyncDispose](): Promise<void> {
    await disposeAll([...this.sentinels, ...this.nodes])
  }

  /**
   * Waits until every reachable sentinel names the same primary, sees every other data node as
   * its replica with the link up and everything written acknowledged, and knows the other sentinels
   * well enough to reach its quorum (CKQUORUM). Use it after a fault is undone
   * (`resume()`, `restart()`): a returning old primary is turned into a replica by the sentinels.
   */
  async waitUntilHealthy(options: WaitOptions = {}): Promise<void> {
    const sentinels = this.#reachableSentinels()
    const others = this.sentinels.length - 1
    const liveNodes = this.nodes.filter((node) => node.running && !node.paused)
    await pollUntil(
      async () => {
        const views = await Promise.all(
          sentinels.map((sentinel) =>
            withAdminClient(sentinel, async (redis) => {
              const master = toRecord(await redis.call('SENTINEL', 'MASTER', this.name))
              const replicas = (await redis.call('SENTINEL', 'REPLICAS', this.name)) as unknown[]
              // `slave` alone: neither subjectively down nor disconnected.
              const replicasSeen = replicas.map(toRecord).filter((replica) => replica.flags === 'slave')
              const settled =
                master.flags === 'master' &&
                Number(master['num-other-sentinels']) === others &&
                replicasSeen.length === liveNodes.length - 1
              if (!settled) return undefined
              // Known is not usable: right after the start a sentinel counts the others it has
              // not yet heard a hello from as down, and CKQUORUM answers NOQUORUM (seen by
              // `redlayer doctor` under load). Healthy means each one could authorize a failover.
              const quorum = await redis.call('SENTINEL', 'CKQUORUM', this.name).then(
                () => true,
                () => false,
              )
              return quorum ? Number(master.port) : undefined
            }),
          ),
        )
        const [port] = views
        if (port === undefined || views.some((view) => view !== port)) return undefined
        // A sentinel refreshes a replica's INFO only every 10 s: ask the replicas themselves
        // whether their link to the primary is up and the stream flows (replicaCaughtUp).
        const primary = this.#nodeAt(port)
        const linked = await Promise.all(
          liveNodes.filter((node) => node !== primary).map((node) => replicaCaughtUp(primary, node)),
        )
        return linked.every(Boolean) ? port : undefined
      },
      {
        timeoutMs: options.timeoutMs ?? 30_000,
        signal: options.signal,
        what: `the sentinels of ${this.name} to agree on the primary and see the replica and each other`,
      },
    )
  }

  async #agreedPrimaryPort(): Promise<number | undefined> {
    const sentinels = this.#reachableSentinels()
    const ports = await Promise.all(sentinels.map((sentinel) => this.#askPrimaryPort(sentinel)))
    const [first] = ports
    return first !== undefined && ports.every((port) => port === first) ? first : undefined
  }

  async #askPrimaryPort(sentinel: RedisProcess): Promise<number> {
    const reply = await withAdminClient(sentinel, (redis) =>
      redis.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.name),
    )
    if (!Array.isArray(reply) || reply.length !== 2)
      throw new Error(`sentinel :${sentinel.port} knows no ${this.name}`)
    return Number(reply[1])
  }

  #reachableSentinels(): RedisProcess[] {
    return this.sentinels.filter((sentinel) => sentinel.running && !sentinel.paused)
  }

  #nodeAt(port: number): RedisProcess {
    const node = this.nodes.find((candidate) => candidate.port === port)
    if (!node) throw new Error(`the sentinels name :${port}, which is not a node of ${this.name}`)
    return node
  }
}

/**
 * True when the node takes a write command. DEL of an absent key is a write (a replica answers
 * READONLY) that leaves nothing behind, so no test key pollutes a keyspace audit.
 */
async function acceptsWrites(node: RedisProcess): Promise<boolean> {
  try {
    await withAdminClient(node, (redis) =>
      redis.del(`redlayer-testkit:probe:${randomBytes(8).toString('hex')}`),
    )
    return true
  } catch {
    return false
  }
}

/** True when the node is a replica of the primary on `primaryPort` with its link up. */
/** A flat [field, value, field, value] reply as an object. */
function toRecord(reply: unknown): Record<string, string> {
  const record: Record<string, string> = {}
  if (!Array.isArray(reply)) return record
  for (let i = 0; i + 1 < reply.length; i += 2) record[String(reply[i])] = String(reply[i + 1])
  return record
}

/** Starts a Sentinel group; see `SentinelGroup`. */
export function startSentinelGroup(options: SentinelGroupOptions = {}): Promise<SentinelGroup> {
  return SentinelGroup.start(options)
}
