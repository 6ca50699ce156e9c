import { randomBytes } from 'node:crypto'
import { createRedis, loadRedisConfig, type RedisClient } from '@redlayer/connection'
import {
  type RedisProcess,
  startTopology,
  type Topology,
  topologiesFromEnv,
  withAdminClient,
} from '@redlayer/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DriverPackage, driverKeyspace, PACKAGE_DRIVERS } from './package-drivers.js'
import { jsonOf, runCliInProcess } from './run-cli.js'

// Issue 17: `redlayer acl` gives each package the least rights it needs. For each package, a user
// confined by the rule printed for that package's namespace alone (no other namespace, no other
// package's commands) drives the package's whole public API, on standalone, Sentinel and Cluster;
// and the same user is refused what another package needs.

const PASSWORD = randomBytes(16).toString('hex')
const PREFIX = `acl${randomBytes(4).toString('hex')}`
const keyspace = driverKeyspace(PREFIX)
const KEYSPACE_MODULE = {
  REDLAYER_KEYSPACE: './test/package-drivers.ts#driverKeyspace',
  REDIS_KEY_PREFIX: PREFIX,
}

interface PrintedRule {
  rules: string[]
  commands: string[]
  packages: string[]
}

/** The data nodes of a topology: ACL users are not replicated, so the rule goes to each. */
function dataNodes(topology: Topology): readonly RedisProcess[] {
  if (topology.kind === 'standalone') return [topology.server]
  if (topology.kind === 'sentinel') return topology.group.nodes
  return topology.cluster.nodes
}

describe.each(topologiesFromEnv())('least-rights ACL users on %s', (kind) => {
  let topology: Topology
  const clients: RedisClient[] = []
  beforeAll(async () => {
    topology = await startTopology(kind)
  }, 120_000)
  afterAll(async () => {
    for (const client of clients) client.disconnect()
    await topology?.[Symbol.asyncDispose]()
  })

  /** The printed rule for `pkg`'s namespace, set on every data node for user `svc-<pkg>`, and a client as that user. */
  async function confined(pkg: DriverPackage): Promise<{ client: RedisClient; rule: PrintedRule }> {
    const user = `svc-${pkg}`
    const printed = await runCliInProcess(['acl', pkg, '--user', user, '--json'], {
      ...topology.env,
      ...KEYSPACE_MODULE,
    })
    expect(printed.exitCode, printed.stderr).toBe(0)
    const rule = jsonOf<PrintedRule>(printed).result as PrintedRule
    expect(rule.packages).toEqual([pkg])
    for (const node of dataNodes(topology)) {
      await withAdminClient(node, (admin) =>
        admin.call('ACL', 'SETUSER', user, ...rule.rules, `>${PASSWORD}`),
      )
    }
    const client = createRedis(
      loadRedisConfig({
        ...topology.env,
        REDIS_USERNAME: user,
        REDIS_PASSWORD: PASSWORD,
        REDIS_COMMAND_TIMEOUT_MS: '5000',
      }),
    )
    client.on('error', () => {})
    clients.push(client)
    return { client, rule }
  }

  it.each(Object.keys(PACKAGE_DRIVERS) as DriverPackage[])(
    'drives %s through its whole API as a user with only its own rule',
    async (pkg) => {
      const { client } = await confined(pkg)
      await PACKAGE_DRIVERS[pkg](client, keyspace)
    },
    60_000,
  )

  it("refuses each user another namespace, another package's commands, and what no package needs", async () => {
    const { client: limiter } = await confined('ratelimit')
    const own = keyspace.key('ratelimit', 'probe')
    await expect(limiter.hset(own, 'f', 'v')).rejects.toThrow(/NOPERM/)
    await expect(limiter.subscribe(keyspace.key('ratelimit', 'bus'))).rejects.toThrow(/NOPERM/)
    await expect(limiter.get(keyspace.key('session', 'x'))).rejects.toThrow(/NOPERM/)
    const { client: cache } = await confined('cache')
    await expect(cache.zadd(keyspace.key('cache', 'probe'), 1, 'm')).rejects.toThrow(/NOPERM/)
    await expect(cache.publish(keyspace.key('lock', 'released'), 'x')).rejects.toThrow(/NOPERM/)
    for (const command of [
      ['FLUSHDB'],
      ['KEYS', '*'],
      ['CONFIG', 'GET', 'save'],
      ['ACL', 'LIST'],
      ['SCRIPT', 'FLUSH'],
    ]) {
      await expect(cache.call(command[0] as string, ...command.slice(1)), command.join(' ')).rejects.toThrow(
        /NOPERM/,
      )
    }
  })
})
