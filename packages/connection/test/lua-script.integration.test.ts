import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { topologiesFromEnv, useTopology } from '@redlayer/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import { loadRedisConfig } from '../src/index.js'
import { LuaScript } from '../src/internal.js'
import { openClient } from './open-client.js'

// ADR-0004: the one way the packages run a Lua script. Its first call in the same event-loop turn
// as other commands of an auto-pipelining client must work (ioredis#1931: a command defined while
// a pipeline is open is missing from it), also for a script created after the client was prepared.
const dir = mkdtempSync(join(tmpdir(), 'redlayer-lua-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
function scriptFile(name: string, lua: string): URL {
  const path = join(dir, `${name}.lua`)
  writeFileSync(path, lua)
  return pathToFileURL(path)
}

const echo = new LuaScript('redlayerTestEcho', scriptFile('echo', 'return { KEYS[1], ARGV[1] }'))
const helpers = scriptFile('helpers', 'local function twice(x) return tonumber(x) * 2 end')
const twice = new LuaScript('redlayerTestTwice', scriptFile('twice', 'return twice(ARGV[1])'), {
  prelude: helpers,
})

describe.each(topologiesFromEnv())('LuaScript on %s', (kind) => {
  const topology = useTopology(kind)

  it('runs on first use in the same turn as 50 auto-pipelined calls, with a prelude and a late script', async () => {
    await using open = await openClient(loadRedisConfig(topology.env), {
      redisOptions: { enableAutoPipelining: true },
      clusterOptions: { enableAutoPipelining: true },
    })
    const client = open.client
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('uncaughtException', onUnhandled)
    try {
      // Another command opens a pipeline in this turn; then 50 first calls of each script.
      const other = client.get('{t}:other')
      const echoes = Array.from({ length: 50 }, (_, i) => echo.run(client, [`{t}:k${i}`], [i]))
      const doubled = Array.from({ length: 50 }, (_, i) => twice.run(client, ['{t}:x'], [i]))
      expect(await other).toBeNull()
      expect(await Promise.all(echoes)).toEqual(
        Array.from({ length: 50 }, (_, i) => [`{t}:k${i}`, String(i)]),
      )
      expect(await Promise.all(doubled)).toEqual(Array.from({ length: 50 }, (_, i) => i * 2))
      // A script made after the client was prepared (a module loaded later) is defined on first use.
      const late = new LuaScript('redlayerTestLate', scriptFile('late', "return 'late'"))
      const again = client.get('{t}:other')
      expect(await Promise.all([late.run(client, ['{t}:y'], []), again])).toEqual(['late', null])
      // Binary arguments go as they are.
      expect(await echo.run(client, ['{t}:b'], [Buffer.from('bytes')])).toEqual(['{t}:b', 'bytes'])
    } finally {
      process.off('uncaughtException', onUnhandled)
    }
    expect(unhandled).toEqual([])
  })
})
