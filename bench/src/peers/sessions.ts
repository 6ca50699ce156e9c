import { createRedisGuard } from '@redlayer/resilience'
import { createSessionStore, type SessionEventInput } from '@redlayer/session'
import type { BenchContext } from '../bench-context.js'

/** The event every append scenario writes: a short chat message. */
export const EVENT: SessionEventInput = {
  type: 'user',
  data: { text: 'What is the status of order 8812?', tokens: 12 },
}

export async function redlayerSessions(ctx: BenchContext) {
  const redis = await ctx.redlayerRedis('redlayer')
  const guard = createRedisGuard({ redis })
  const store = createSessionStore({ redis, keyspace: ctx.keyspace(), namespace: 'session', guard })
  ctx.defer(async () => {
    await guard[Symbol.asyncDispose]()
  })
  return store
}

/** Appends `count` events to `sessionId`, `concurrency` at a time. */
export async function fill(
  store: Awaited<ReturnType<typeof redlayerSessions>>,
  sessionId: string,
  count: number,
  concurrency = 64,
): Promise<void> {
  let next = 0
  const caller = async () => {
    while (next < count) {
      next++
      await store.appendEvent(sessionId, EVENT)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, caller))
}
