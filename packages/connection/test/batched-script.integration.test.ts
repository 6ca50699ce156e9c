import { randomBytes } from 'node:crypto'
import { serverScriptCalls, startTopology, type Topology, topologiesFromEnv } from '@redlayer/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadRedisConfig, mastersOf } from '../src/index.js'
import { batchedScript, LuaScript, MAX_BATCH_CALLS } from '../src/internal.js'
import { openClient } from './open-client.js'

// Issue 18 (ADR-0004): the script calls of one tick after its first leave together, in order,
// each answered as its script alone would answer it.
const push = batchedScript(new LuaScript('testBatchPush', "return redis.call('RPUSH', KEYS[1], ARGV[1])"))
const pushToo = batchedScript(
  new LuaScript('testBatchPushToo', "return redis.call('RPUSH', KEYS[1], ARGV[1])"),
)
const echo = batchedScript(
  new LuaScript(
    'testBatchEcho',
    "if ARGV[1] == 'refuse' then return redis.error_reply('ERR refused as asked') end\n" +
      "if ARGV[1] == 'raise' then redis.call('INCR', KEYS[1]) end\n" +
      'return ARGV[1]',
  ),
)

describe.each(topologiesFromEnv())('batched script calls on %s', (kind) => {
  let topology: Topology
  beforeAll(async () => {
    topology = await startTopology(kind)
  }, 120_000)
  afterAll(async () => {
    await topology?.[Symbol.asyncDispose]()
  })
  const open = async () => {
    const opened = await openClient(loadRedisConfig({ ...topology.env, REDIS_COMMAND_TIMEOUT_MS: '2000' }))
    // Every node's connection open first: ioredis' Cluster client can reorder commands sent while a
    // node connection is still opening (an open problem of its own, whatever batches them).
    await Promise.all(mastersOf(opened.client).map((node) => node.ping()))
    return opened
  }

  it('keeps the order of one tick across scripts, in batches of at most MAX_BATCH_CALLS', async () => {
    await using opened = await open()
    const client = opened.client
    const key = `{batch${randomBytes(4).toString('hex')}}:list`
    const values = Array.from({ length: 40 }, (_, i) => String(i))
    const before = await serverScriptCalls(topology.processes)
    // Runs of two scripts interleaved: 0-9 push, 10-19 pushToo, 20-39 push.
    const replies = await Promise.all(
      values.map((value, i) => (i >= 10 && i < 20 ? pushToo : push)(client, [key], [value])),
    )
    expect(await client.lrange(key, 0, -1)).toEqual(values)
    expect(replies).toEqual(values.map((_, i) => i + 1))
    // The first alone, then each run of one script in batches: 9, 10 and 20 calls.
    const batches = [9, 10, 20].reduce((n, run) => n + Math.ceil(run / MAX_BATCH_CALLS), 0)
    expect(await serverScriptCalls(topology.processes)).toBe(before + 1 + batches)
  })

  it('fails only the call whose script errs, by a reply error or a raised one', async () => {
    await using opened = await open()
    const client = opened.client
    const key = `{batch${randomBytes(4).toString('hex')}}:string`
    await client.set(key, 'not a number')
    const results = await Promise.allSettled(
      ['first', 'a', 'refuse', 'b', 'raise', 'c'].map((arg) => echo(client, [key], [arg])),
    )
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'rejected',
      'fulfilled',
    ])
    expect(results.filter((r) => r.status === 'fulfilled').map((r) => r.value)).toEqual([
      'first',
      'a',
      'b',
      'c',
    ])
    expect(String((results[2] as PromiseRejectedResult).reason)).toContain('refused as asked')
    expect(String((results[4] as PromiseRejectedResult).reason)).toMatch(/not an integer/)
  })
})
