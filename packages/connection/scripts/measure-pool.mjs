// ADR-0010 measurement: one multiplexed connection (as is, with a tick's writes coalesced, with ioredis auto-pipelining)
// against a round-robin "pool" of separate connections, under three loads (1 caller, 64 callers,
// a fan-out of 64), on a throwaway redis-server from @redlayer/testkit. Every client is made by
// createRedis, so all share the same timeouts and options but the one compared.
//
//   npx pnpm@10.34.8 turbo run build --filter @redlayer/connection --filter @redlayer/testkit
//   node packages/connection/scripts/measure-pool.mjs [opsPerRun=20000] [rounds=5] [poolSize=50]
//
// Every run is bounded in count (opsPerRun); loopback only. Prints a Markdown table.
import { performance } from 'node:perf_hooks'
import { createRedis, parseRedisConfig } from '@redlayer/connection'
import { startRedis } from '@redlayer/testkit'

const opsPerRun = Number(process.argv[2] ?? 20_000)
const rounds = Number(process.argv[3] ?? 5)
const poolSize = Number(process.argv[4] ?? 50)
const VALUE = 'x'.repeat(100)

const command = (client, i) =>
  i % 2 === 0 ? client.set(`measure:${i % 1000}`, VALUE) : client.get(`measure:${i % 1000}`)

// The loads: callers that each wait for their command before sending the next (1 and 64 of
// them), and a fan-out (one caller sends 64 commands in the same tick and waits for all, as a
// batch read does). Commands alternate SET and GET of 100-byte values.
const LOADS = [
  { label: '1 caller', callers: 1, fanOut: 1 },
  { label: '64 callers', callers: 64, fanOut: 1 },
  { label: 'fan-out of 64', callers: 1, fanOut: 64 },
]

/** Sends `total` commands under `load`; every command's latency is recorded. */
async function drive(pick, load, total) {
  const latencies = new Float64Array(total)
  let next = 0
  const cpuBefore = process.cpuUsage()
  const started = performance.now()
  async function caller() {
    while (next < total) {
      const first = next
      next = Math.min(total, next + load.fanOut)
      const t0 = performance.now()
      const sent = []
      for (let i = first; i < next; i++) sent.push(command(pick(), i))
      await Promise.all(sent)
      const ms = performance.now() - t0
      latencies.fill(ms, first, next)
    }
  }
  await Promise.all(Array.from({ length: load.callers }, caller))
  const seconds = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpuBefore)
  latencies.sort()
  const at = (q) => latencies[Math.min(total - 1, Math.floor(q * total))]
  return {
    opsPerSecond: total / seconds,
    p50: at(0.5),
    p99: at(0.99),
    cpuUsPerOp: (cpu.user + cpu.system) / total,
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

function picker(clients) {
  let cursor = 0
  return clients.length === 1 ? () => clients[0] : () => clients[cursor++ % clients.length]
}

async function ready(client) {
  client.on('error', () => {})
  if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve))
  return client
}

const server = await startRedis()
try {
  const config = parseRedisConfig({ url: server.url })
  const variants = [
    ['one connection (createRedis)', async () => [await ready(createRedis(config))]],
    [
      'one connection, coalesced writes',
      async () => [await ready(createRedis(config, { coalesceWrites: true }))],
    ],
    [
      'one connection, auto-pipelining',
      async () => [await ready(createRedis(config, { redisOptions: { enableAutoPipelining: true } }))],
    ],
    [
      `pool of ${poolSize} connections, round-robin`,
      async () => Promise.all(Array.from({ length: poolSize }, () => ready(createRedis(config)))),
    ],
  ]
  // Every variant stays connected, and the rounds interleave the variants, so that a burst of load
  // from elsewhere on the machine spreads over all of them instead of skewing one.
  const opened = []
  for (const [name, open] of variants) opened.push({ name, clients: await open() })
  const cases = opened.flatMap(({ name, clients }) =>
    LOADS.map((load) => ({ name, clients, load, pick: picker(clients), runs: [] })),
  )
  for (const c of cases) await drive(c.pick, c.load, Math.min(2_000, opsPerRun)) // warm-up
  for (let round = 0; round < rounds; round++) {
    for (const c of cases) c.runs.push(await drive(c.pick, c.load, opsPerRun))
  }
  for (const { clients } of opened) for (const client of clients) client.disconnect()
  const rows = cases.map((c) => ({
    name: c.name,
    connections: c.clients.length,
    load: c.load.label,
    opsPerSecond: median(c.runs.map((r) => r.opsPerSecond)),
    p50: median(c.runs.map((r) => r.p50)),
    p99: median(c.runs.map((r) => r.p99)),
    cpuUsPerOp: median(c.runs.map((r) => r.cpuUsPerOp)),
  }))
  console.log(
    `redis-server ${server.port} on loopback; ${opsPerRun} ops per run (SET/GET, 100 B), median of ${rounds} runs`,
  )
  console.log('| client | connections | load | ops/s | p50 ms | p99 ms | client CPU µs/op |')
  console.log('|---|---:|---:|---:|---:|---:|---:|')
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.connections} | ${r.load} | ${Math.round(r.opsPerSecond)} | ${r.p50.toFixed(3)} | ${r.p99.toFixed(3)} | ${r.cpuUsPerOp.toFixed(1)} |`,
    )
  }
} finally {
  await server[Symbol.asyncDispose]()
}
