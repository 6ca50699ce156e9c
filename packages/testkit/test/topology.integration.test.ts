import { randomBytes } from 'node:crypto'
import { Cluster, Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { startTopology, type Topology, topologiesFromEnv } from '../src/index.js'
import { expectGone } from './process-gone.js'

/** A plain ioredis client from the topology's env, the way @redlayer/connection reads it. */
function connect(topology: Topology, withPassword = true): Redis | Cluster {
  const { env } = topology
  const password = withPassword ? env.REDIS_PASSWORD : undefined
  const hosts = (list = '') =>
    list.split(',').map((entry) => {
      const [host = '', port = ''] = entry.split(':')
      return { host, port: Number(port) }
    })
  switch (env.REDIS_MODE) {
    case 'standalone':
      return new Redis(env.REDIS_URL ?? '', { lazyConnect: true, password })
    case 'sentinel':
      return new Redis({
        sentinels: hosts(env.REDIS_SENTINELS),
        name: env.REDIS_SENTINEL_NAME,
        lazyConnect: true,
        password,
      })
    default:
      return new Cluster(hosts(env.REDIS_CLUSTER_NODES), { lazyConnect: true, redisOptions: { password } })
  }
}

const PROCESS_COUNT = { standalone: 1, sentinel: 5, cluster: 6 } as const

describe.each(topologiesFromEnv())('topology %s', (kind) => {
  it('starts, takes a write and a read through its env, and leaves no process after disposal', async () => {
    let pids: (number | undefined)[]
    {
      await using topology = await startTopology(kind)
      expect(topology.kind).toBe(kind)
      expect(topology.env.REDIS_MODE).toBe(kind)
      expect(topology.processes).toHaveLength(PROCESS_COUNT[kind])
      pids = topology.processes.map((node) => node.pid)
      const client = connect(topology)
      try {
        await client.connect()
        await client.set(`testkit:${kind}`, 'value')
        expect(await client.get(`testkit:${kind}`)).toBe('value')
      } finally {
        client.disconnect()
      }
    }
    expectGone(pids)
  })

  it('requires the password it was started with, and puts it in env', async () => {
    const password = randomBytes(16).toString('hex')
    await using topology = await startTopology(kind, { password })
    expect(topology.env.REDIS_PASSWORD).toBe(password)
    expect(Object.values(topology.env).filter((value) => value.includes(password))).toHaveLength(1)
    const client = connect(topology)
    try {
      await client.connect()
      await client.set(`testkit:${kind}:auth`, 'value')
      expect(await client.get(`testkit:${kind}:auth`)).toBe('value')
    } finally {
      client.disconnect()
    }
    const server = topology.kind === 'standalone' ? topology.server : topology.processes[0]
    // No ready check (it would send INFO, fail with NOAUTH and close the connection first), and
    // RESP2: ioredis 6's HELLO 3 handshake would fail the same way before the GET is sent.
    const anonymous = new Redis({
      port: server?.port,
      lazyConnect: true,
      enableReadyCheck: false,
      protocol: 2,
    })
    try {
      await anonymous.connect()
      await expect(anonymous.get(`testkit:${kind}:auth`)).rejects.toThrow(/NOAUTH/)
    } finally {
      anonymous.disconnect()
    }
  })
})
