// A separate node process incrementing a plain Redis counter under the lock: GET, a short sleep,
// SET. Without mutual exclusion the increments of the four workers would overwrite each other.
// Prints one JSON line: the (value read, fence) pair of every increment.
import { setTimeout as sleep } from 'node:timers/promises'
import { createLockManager } from '../../src/index.js'
import { lockKeyspace, openClient } from '../fixtures.js'

const env = JSON.parse(process.env.LOCK_TEST_ENV ?? '{}') as Record<string, string>
const increments = Number(process.env.LOCK_TEST_INCREMENTS ?? '25')
const redis = await openClient(env)
const keyspace = lockKeyspace(process.env.LOCK_TEST_PREFIX)
const locks = createLockManager({ redis, keyspace, namespace: 'lock', wait: 30_000 })
const counter = keyspace.key('cache', 'counter')
const seen: [number, string][] = []
for (let i = 0; i < increments; i++) {
  await locks.withLock(
    'counter',
    async (lock) => {
      const value = Number((await redis.get(counter)) ?? '0')
      await sleep(2)
      lock.signal.throwIfAborted()
      await redis.set(counter, String(value + 1))
      seen.push([value, lock.fence.toString()])
    },
    { ttl: 2_000 },
  )
}
await locks.close()
redis.disconnect()
process.stdout.write(`${JSON.stringify(seen)}\n`)
