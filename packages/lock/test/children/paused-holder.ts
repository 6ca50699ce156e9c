// A holder that the test freezes with SIGSTOP past its lease. On request it sends a write with
// its (by then stale) fence, whatever its lock.signal says, as a process that was paused between
// its check and its write would (Kleppmann's example). The parent's fenced resource must refuse it.
import { createLockManager } from '../../src/index.js'
import { lockKeyspace, openClient } from '../fixtures.js'

const env = JSON.parse(process.env.LOCK_TEST_ENV ?? '{}') as Record<string, string>
const redis = await openClient(env)
const keyspace = lockKeyspace(process.env.LOCK_TEST_PREFIX)
const locks = createLockManager({ redis, keyspace, namespace: 'lock' })
const lock = await locks.acquire('fenced', {
  ttl: Number(process.env.LOCK_TEST_TTL_MS ?? '300'),
  wait: 5_000,
})
const send = (message: object) => process.send?.(message)
process.on('message', async (message: { type: string }) => {
  if (message.type !== 'write') return
  send({
    type: 'write',
    fence: lock.fence.toString(),
    value: 'from the paused holder',
    aborted: lock.signal.aborted,
  })
  await lock.release()
  await locks.close()
  redis.disconnect()
  process.disconnect()
})
send({ type: 'holding', fence: lock.fence.toString() })
