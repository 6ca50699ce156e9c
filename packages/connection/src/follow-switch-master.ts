import { Redis } from 'ioredis'
import { reconnectDelayMs } from './reconnect-delay.js'
import { clientReadiness } from './supervise.js'

const CHANNEL = '+switch-master'

/** The private timer ioredis keeps between a close and its next reconnect attempt. */
interface ReconnectTimer {
  reconnectTimeout?: NodeJS.Timeout | null
}

/** One subscription per sentinel of a group, shared by every client of the process that follows it. */
interface Subscription {
  readonly watchers: readonly Redis[]
  readonly clients: Set<Redis>
}

const subscriptions = new Map<string, Subscription>()

/**
 * ADR-0015: a Sentinel client follows `+switch-master` at once, also while it is reconnecting.
 * ioredis' own failover detector listens only while the client is connected: once the primary is
 * killed, the client retries the dead address on its backoff (up to 2 s between attempts) and
 * learns of the promotion at its next attempt. A subscription to every configured sentinel stays
 * up across the outage, one per group for the whole process (the main client, its subscriber and
 * blocking duplicates share it); when the sentinels announce a new primary for the group, a
 * client that is not ready connects at once (the connector asks the sentinels for the new
 * primary), and a client still on the old address is reconnected. A client closed on purpose
 * leaves; the last one closes the subscription. Returns the client.
 */
export function followSwitchMaster(client: Redis): Redis {
  const { sentinels, name } = client.options
  if (!sentinels?.length || name === undefined) return client
  const key = JSON.stringify([name, sentinels, client.options.sentinelUsername ?? null])
  let subscription = subscriptions.get(key)
  if (subscription === undefined) {
    subscription = subscribe(client, name)
    subscriptions.set(key, subscription)
  }
  const joined = subscription
  joined.clients.add(client)
  client.on('end', () => {
    if (clientReadiness(client).recovering) return
    joined.clients.delete(client)
    if (joined.clients.size > 0 || subscriptions.get(key) !== joined) return
    subscriptions.delete(key)
    for (const watcher of joined.watchers) watcher.disconnect()
  })
  return client
}

/** Subscribes to every sentinel of `client`'s group, with the credentials and TLS it uses for them. */
function subscribe(client: Redis, name: string): Subscription {
  const clients = new Set<Redis>()
  const watchers = (client.options.sentinels ?? []).map((sentinel) => {
    const watcher = new Redis({
      host: sentinel.host ?? '127.0.0.1',
      port: sentinel.port ?? 26379,
      ...(client.options.sentinelUsername === undefined ? {} : { username: client.options.sentinelUsername }),
      ...(client.options.sentinelPassword === undefined ? {} : { password: client.options.sentinelPassword }),
      ...(client.options.enableTLSForSentinelMode && client.options.sentinelTLS
        ? { tls: client.options.sentinelTLS }
        : {}),
      connectionName: `${client.options.connectionName ?? 'redlayer'}:switch-master`,
      connectTimeout: client.options.connectTimeout,
      // A subscription only: no command timeout, endless reconnects, resubscribed on each.
      retryStrategy: (attempt: number) => reconnectDelayMs(attempt),
      maxRetriesPerRequest: null,
      enableReadyCheck: false,
    })
    watcher.on('error', () => undefined) // a sentinel that is down is retried; the others report
    watcher.subscribe(CHANNEL).catch(() => undefined)
    watcher.on('message', (channel: string, message: string) => {
      if (channel !== CHANNEL || message.split(' ')[0] !== name) return
      for (const follower of clients) switchNow(follower, message)
    })
    return watcher
  })
  return { watchers, clients }
}

function switchNow(client: Redis, message: string): void {
  const [, , , newHost, newPort] = message.split(' ')
  if (client.status === 'ready') {
    // ioredis' own detector does the same when it saw the message; this covers a client whose
    // detector was not subscribed yet. Every sentinel announces the switch: a client already on
    // the new primary (through its natMap, if it has one) stays connected.
    if (String(client.stream?.remotePort) !== mappedPort(client, `${newHost}:${newPort}`, newPort))
      client.disconnect(true)
    return
  }
  if (client.status === 'reconnecting') {
    const timer = client as unknown as ReconnectTimer
    if (timer.reconnectTimeout) clearTimeout(timer.reconnectTimeout)
    timer.reconnectTimeout = null
    client.connect().catch(() => undefined) // a failed attempt schedules the next one as usual
  }
}

/** The port the client reaches `address` at: its natMap's translation, or the port itself. */
export function mappedPort(client: Redis, address: string, port: string | undefined): string | undefined {
  const natMap = client.options.natMap
  if (natMap == null) return port // ioredis defaults it to null
  const mapped = typeof natMap === 'function' ? natMap(address)?.port : natMap[address]?.port
  return mapped === undefined ? port : String(mapped)
}
