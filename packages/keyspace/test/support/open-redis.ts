import { createRedis, loadRedisConfig, mastersOf, type RedisClient } from '@redlayer/connection'
import type { Topology } from '@redlayer/testkit'
import { scanBatches } from '../../src/scan.js'

/** A ready client for a testkit topology (`createRedis(loadRedisConfig(env))`), closed by `await using`. */
export interface OpenRedis extends AsyncDisposable {
  readonly client: RedisClient
}

export async function openRedis(topology: Topology): Promise<OpenRedis> {
  const client = createRedis(loadRedisConfig(topology.env))
  client.on('error', () => {}) // reconnect noise; a failing command still fails the test
  if (client.status !== 'ready') {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`client not ready within 20 s (${client.status})`)),
        20_000,
      )
      timer.unref()
      client.once('ready', () => {
        clearTimeout(timer)
        resolve()
      })
    })
  }
  return {
    client,
    [Symbol.asyncDispose]: async () => {
      client.disconnect()
    },
  }
}

/** Every key matching `pattern` on every master, sorted (test verification only; bounded by the test's data). */
export async function allKeys(client: RedisClient, pattern: string): Promise<string[]> {
  const keys = new Set<string>()
  for (const node of mastersOf(client)) {
    for await (const batch of scanBatches(node, pattern, 1_000)) for (const key of batch) keys.add(key)
  }
  return [...keys].sort()
}
