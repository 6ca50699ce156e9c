import { createRateLimiter } from '@redlayer/ratelimit'
import { createRedisGuard } from '@redlayer/resilience'
import { RateLimiterRedis } from 'rate-limiter-flexible'
import { interleaveAtEachConcurrency } from '../harness.js'
import { cpuChecks, throughputChecks } from '../result.js'
import { CONCURRENCY, type Scenario, STANDALONE_AND_CLUSTER } from '../scenario.js'

const SUBJECTS = 100
// Large enough that no request is ever refused: the scenario measures the admitting path.
const HUGE = 1_000_000_000
const TRIVIAL_SCRIPT = "return redis.call('INCR', KEYS[1])"

/** One rate-limit decision per request. */
export const ratelimit: Scenario = {
  name: 'ratelimit',
  title: 'rate limit: consume one token (admitted)',
  adrs: ['ADR-0012', 'ADR-0010'],
  topologies: STANDALONE_AND_CLUSTER,
  async run(ctx) {
    const redis = await ctx.redlayerRedis('redlayer')
    const guard = createRedisGuard({ redis })
    ctx.defer(() => guard[Symbol.asyncDispose]())
    const limiter = createRateLimiter({
      redis,
      keyspace: ctx.keyspace(),
      namespace: 'ratelimit',
      guard,
      name: 'bench',
      limits: { name: 'rps', capacity: HUGE, refill: { tokens: HUGE, interval: '1s' } },
    })
    // Issue 19: the same limiter with a penalty, whose check runs in the same script (ADR-0012).
    const penalised = createRateLimiter({
      redis,
      keyspace: ctx.keyspace(),
      namespace: 'ratelimit',
      guard,
      name: 'bench-penalty',
      limits: { name: 'rps', capacity: HUGE, refill: { tokens: HUGE, interval: '1s' } },
      penalty: { block: '1m' },
    })
    // Issue 18: the same limiter with a tick's writes coalesced (ADR-0010).
    const coalescedRedis = await ctx.redlayerRedis('redlayer-coalesced', { coalesceWrites: true })
    const coalescedGuard = createRedisGuard({ redis: coalescedRedis })
    ctx.defer(() => coalescedGuard[Symbol.asyncDispose]())
    const coalesced = createRateLimiter({
      redis: coalescedRedis,
      keyspace: ctx.keyspace(),
      namespace: 'ratelimit',
      guard: coalescedGuard,
      name: 'bench',
      limits: { name: 'rps', capacity: HUGE, refill: { tokens: HUGE, interval: '1s' } },
    })
    const flexible = new RateLimiterRedis({
      storeClient: await ctx.redis('rate-limiter-flexible'),
      keyPrefix: ctx.prefix('rlf').slice(0, -1),
      points: HUGE,
      duration: 60,
    })
    const raw = await ctx.redis('raw')
    const rawPrefix = ctx.prefix('raw')
    const sha = await ctx.loadScript(raw, TRIVIAL_SCRIPT)
    const contenders = [
      {
        name: 'redlayer',
        op: async (_w: number, i: number) => {
          const result = await limiter.consume(`user-${i % SUBJECTS}`)
          if (!result.allowed) throw new Error('the bench limit refused a request')
        },
      },
      {
        // Not a comparator with an aim: what checking for a block costs an admitted request.
        name: 'redlayer, with a penalty',
        op: async (_w: number, i: number) => {
          if (!(await penalised.consume(`user-${i % SUBJECTS}`)).allowed)
            throw new Error('the bench limit refused a request')
        },
      },
      {
        // Not a comparator with an aim: what `coalesceWrites: true` does (ADR-0010).
        name: 'redlayer, coalesced writes',
        op: async (_w: number, i: number) => {
          if (!(await coalesced.consume(`user-${i % SUBJECTS}`)).allowed)
            throw new Error('the bench limit refused a request')
        },
      },
      {
        name: 'rate-limiter-flexible',
        op: async (_w: number, i: number) => {
          await flexible.consume(`user-${i % SUBJECTS}`)
        },
      },
      {
        name: 'raw EVALSHA (INCR)',
        op: (_w: number, i: number) => raw.evalsha(sha, 1, `${rawPrefix}${i % SUBJECTS}`),
      },
    ]
    const measurements = await interleaveAtEachConcurrency(contenders, (concurrency) =>
      ctx.plan(concurrency, { opsPerRound: concurrency === 1 ? 600 : 3_000, rounds: 15 }),
    )
    return {
      measurements,
      checks: [
        // Issue 18: the client CPU per call at most 1.3x raw ioredis doing the same round trips.
        ...cpuChecks(measurements, 'redlayer', 'raw EVALSHA (INCR)', { op: '<=', target: 1.3 }, [1]),
        ...throughputChecks(
          measurements,
          'redlayer',
          'rate-limiter-flexible',
          { op: '>=', target: 1.0 },
          CONCURRENCY,
        ),
        ...throughputChecks(
          measurements,
          'redlayer',
          'raw EVALSHA (INCR)',
          { op: '>=', target: 0.8 },
          CONCURRENCY,
        ),
        ...throughputChecks(measurements, 'redlayer, with a penalty', 'redlayer', undefined, CONCURRENCY),
        ...throughputChecks(measurements, 'redlayer, coalesced writes', 'redlayer', undefined, CONCURRENCY),
      ],
    }
  },
}
