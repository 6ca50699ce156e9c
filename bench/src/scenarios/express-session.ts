import { createRedisGuard } from '@redlayer/resilience'
import { RedlayerExpressStore } from '@redlayer/session/express'
import { RedisStore } from 'connect-redis'
import type { SessionData, Store } from 'express-session'
import { interleaveAtEachConcurrency } from '../harness.js'
import { throughputChecks } from '../result.js'
import { CONCURRENCY, type Scenario, STANDALONE_AND_CLUSTER } from '../scenario.js'

const MAX_AGE_MS = 3_600_000

function sessionData(worker: number): SessionData {
  return {
    cookie: {
      originalMaxAge: MAX_AGE_MS,
      expires: new Date(Date.now() + MAX_AGE_MS),
      httpOnly: true,
      path: '/',
    },
    userId: `user-${worker}`,
    cart: [{ sku: 'A-100', quantity: 2 }],
  } as SessionData
}

function setThenGet(store: Store, sid: string, data: SessionData): Promise<void> {
  return new Promise((resolve, reject) => {
    store.set(sid, data, (error) => {
      if (error) return reject(error)
      store.get(sid, (getError, value) => {
        if (getError) return reject(getError)
        if (!value) return reject(new Error('the session just set was not found'))
        resolve()
      })
    })
  })
}

/** One request's worth of store work with `resave`: save the session, read it back. */
export const expressSession: Scenario = {
  name: 'express-session',
  title: 'express-session store: set + get of one session',
  adrs: ['ADR-0033'],
  topologies: STANDALONE_AND_CLUSTER,
  async run(ctx) {
    const redis = await ctx.redlayerRedis('redlayer')
    const guard = createRedisGuard({ redis })
    ctx.defer(() => guard[Symbol.asyncDispose]())
    const ours = new RedlayerExpressStore({ redis, keyspace: ctx.keyspace(), namespace: 'http', guard })
    const theirs = new RedisStore({ client: await ctx.redis('connect-redis'), prefix: ctx.prefix('sess') })
    const data = Array.from({ length: Math.max(...CONCURRENCY) }, (_, worker) => sessionData(worker))
    const contenders = [
      {
        name: 'redlayer',
        op: (worker: number) => setThenGet(ours, `sid-${worker}`, data[worker] as SessionData),
      },
      {
        name: 'connect-redis 8 (ioredis)',
        op: (worker: number) => setThenGet(theirs, `sid-${worker}`, data[worker] as SessionData),
      },
    ]
    const measurements = await interleaveAtEachConcurrency(contenders, (concurrency) =>
      ctx.plan(concurrency, { opsPerRound: concurrency === 1 ? 400 : 2_000, rounds: 15 }),
    )
    return {
      measurements,
      checks: throughputChecks(
        measurements,
        'redlayer',
        'connect-redis 8 (ioredis)',
        { op: '>=', target: 1.0 },
        CONCURRENCY,
      ),
    }
  },
}
