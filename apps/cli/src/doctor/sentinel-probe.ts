import { readFileSync } from 'node:fs'
import { formatHostPort, type SentinelConfig } from '@redlayer/connection'
import { Redis } from 'ioredis'

/** What one sentinel says about the master group. */
export interface SentinelReport {
  readonly address: string
  readonly reachable: boolean
  /** Why it could not be asked (connection error, unknown master group...). */
  readonly error?: string
  /** The group's quorum as this sentinel has it configured. */
  readonly quorum?: number
  /** Other sentinels this one knows of. */
  readonly otherSentinels?: number
  readonly replicas?: number
  /** The flags of the master as this sentinel sees it (`master`, `s_down`, `o_down`...). */
  readonly masterFlags?: string
  /** SENTINEL CKQUORUM: can this sentinel reach a quorum and a majority to authorize a failover? */
  readonly ckquorum?: { readonly ok: boolean; readonly message: string }
}

function pairs(reply: unknown): Map<string, string> {
  const map = new Map<string, string>()
  if (!Array.isArray(reply)) return map
  for (let i = 0; i + 1 < reply.length; i += 2) map.set(String(reply[i]), String(reply[i + 1]))
  return map
}

const integer = (value: string | undefined) => (value === undefined ? undefined : Number.parseInt(value, 10))

async function probeOne(config: SentinelConfig, host: string, port: number): Promise<SentinelReport> {
  const address = formatHostPort({ host, port })
  const sentinel = new Redis({
    host,
    port,
    ...(config.sentinelUsername === undefined ? {} : { username: config.sentinelUsername }),
    ...(config.sentinelPassword === undefined ? {} : { password: config.sentinelPassword }),
    ...(config.tls ? { tls: config.tlsCaFile ? { ca: readFileSync(config.tlsCaFile) } : {} } : {}),
    connectionName: 'redlayer-cli-doctor',
    lazyConnect: true,
    connectTimeout: config.connectTimeoutMs,
    commandTimeout: config.connectTimeoutMs,
    maxRetriesPerRequest: 0,
    // One attempt: the doctor reports an unreachable sentinel, it does not wait for it.
    retryStrategy: () => null,
  })
  sentinel.on('error', () => {})
  try {
    await sentinel.connect()
    const master = pairs(await sentinel.call('SENTINEL', 'MASTER', config.sentinelName))
    const ckquorum = await sentinel.call('SENTINEL', 'CKQUORUM', config.sentinelName).then(
      (reply) => ({ ok: true, message: String(reply) }),
      (error: Error) => ({ ok: false, message: error.message }),
    )
    return {
      address,
      reachable: true,
      quorum: integer(master.get('quorum')),
      otherSentinels: integer(master.get('num-other-sentinels')),
      replicas: integer(master.get('num-slaves')),
      masterFlags: master.get('flags') ?? 'unknown',
      ckquorum,
    }
  } catch (error) {
    return { address, reachable: false, error: error instanceof Error ? error.message : String(error) }
  } finally {
    sentinel.disconnect()
  }
}

/** Asks every configured sentinel, in parallel, about the master group. Never throws. */
export function probeSentinels(config: SentinelConfig): Promise<SentinelReport[]> {
  return Promise.all(config.sentinels.map(({ host, port }) => probeOne(config, host, port)))
}
