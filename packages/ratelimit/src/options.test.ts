import { isRedlayerError } from '@redlayer/connection'
import { defineKeyspace } from '@redlayer/keyspace'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { type RateLimiterOptions, resolveOptions } from './options.js'

// A real client that never connects: option validation must not touch Redis.
const redis = new Redis({ lazyConnect: true })
afterAll(() => redis.disconnect())

const keyspace = defineKeyspace({
  namespaces: {
    ratelimit: {
      prefix: 'ratelimit',
      description: 'buckets',
      ttl: { default: '1h', max: '1d' },
      flushClass: 'disruptive',
      whenRedisDown: 'local-fallback',
    },
    cache: {
      prefix: 'cache',
      description: 'not for buckets',
      ttl: { default: '1m' },
      flushClass: 'safe',
      whenRedisDown: 'bypass',
    },
  },
})

type Options = RateLimiterOptions<'ratelimit' | 'cache'>
const base: Options = {
  redis,
  keyspace,
  namespace: 'ratelimit',
  limits: { name: 'burst', capacity: 20, refill: { tokens: 10, interval: '1s' } },
}

function problemsOf(options: Options): string[] {
  try {
    resolveOptions(options)
  } catch (error) {
    if (isRedlayerError(error, 'E_INVALID_OPTIONS')) return error.details.problems as string[]
    throw error
  }
  return expect.unreachable('the options were accepted')
}

describe('resolveOptions', () => {
  it('resolves limits to integer units and takes the degradation mode from the namespace', () => {
    const resolved = resolveOptions(base)
    expect(resolved).toMatchObject({
      name: 'ratelimit',
      onRedisDown: 'local-fallback',
      instances: 1,
      denyCacheEntries: 10_000,
      localMaxSubjects: 10_000,
      failClosedRetryAfterMs: 1_000,
    })
    expect(resolved.limits).toEqual([
      expect.objectContaining({
        name: 'burst',
        capacity: 20,
        intervalMs: 1_000,
        fillMs: 2_000,
        signature: '20-10-1000-v2',
      }),
    ])
    expect(resolveOptions({ ...base, onRedisDown: 'fail-closed', denyCache: false }).denyCacheEntries).toBe(0)
  })

  it('reports every problem in one E_INVALID_OPTIONS', () => {
    const problems = problemsOf({
      ...base,
      name: 'bad name!',
      limits: [
        { name: 'burst', capacity: 0, refill: { tokens: 1, interval: '1s' } },
        { name: 'a:b', capacity: 1.5, refill: { tokens: -1, interval: 'soon' } },
      ],
      instances: 0,
    })
    expect(problems.join('\n')).toMatch(/^name:/m)
    expect(problems.join('\n')).toMatch(/^limits\.0\.capacity:/m)
    expect(problems.join('\n')).toMatch(/^limits\.1\.name:/m)
    expect(problems.join('\n')).toMatch(/^limits\.1\.capacity:/m)
    expect(problems.join('\n')).toMatch(/^limits\.1\.refill\.tokens:/m)
    expect(problems.join('\n')).toMatch(/^instances:/m)
  })

  it('refuses duplicate names, bad intervals, and a bucket slower to fill than the namespace keeps keys', () => {
    const problems = problemsOf({
      ...base,
      limits: [
        { name: 'x', capacity: 5, refill: { tokens: 1, interval: 'soon' } },
        { name: 'x', capacity: 5, refill: { tokens: 1, interval: 0 } },
        { name: 'daily', capacity: 2, refill: { tokens: 1, interval: '1d' } },
      ],
    })
    expect(problems).toHaveLength(4)
    expect(problems[0]).toMatch(/^limits\.0\.refill\.interval: invalid duration/)
    expect(problems[1]).toMatch(/^limits\.1\.name: "x" is used twice/)
    expect(problems[2]).toMatch(/^limits\.1\.refill\.interval: must be at least 1 ms/)
    expect(problems[3]).toMatch(
      /^limits\.2: its bucket takes 172800000 ms to fill, longer than the maximum TTL/,
    )
  })

  it('refuses a local share below one token', () => {
    const problems = problemsOf({ ...base, instances: 21 })
    expect(problems).toEqual([expect.stringMatching(/^instances: 21 instances would leave limit "burst"/)])
    expect(resolveOptions({ ...base, instances: 21, onRedisDown: 'fail-open' }).instances).toBe(21)
  })

  it('refuses a bucket it cannot keep exactly', () => {
    const [problem] = problemsOf({
      ...base,
      limits: { name: 'huge', capacity: 2 ** 40, refill: { tokens: 1, interval: '1d' } },
    })
    expect(problem).toMatch(/cannot be kept exactly/)
  })

  it('needs an explicit onRedisDown when the namespace declares a mode a limiter cannot follow', () => {
    const problems = problemsOf({
      ...base,
      namespace: 'cache',
      limits: { name: 'b', capacity: 1, refill: { tokens: 1, interval: '1s' } },
    })
    expect(problems).toEqual([
      expect.stringMatching(
        /^onRedisDown: required, since namespace "cache" declares whenRedisDown "bypass"/,
      ),
    ])
    expect(
      resolveOptions({
        ...base,
        namespace: 'cache',
        onRedisDown: 'fail-open',
        limits: { name: 'b', capacity: 1, refill: { tokens: 1, interval: '1s' } },
      }).onRedisDown,
    ).toBe('fail-open')
  })

  it('names an unknown namespace and missing clients', () => {
    const problems = problemsOf({ ...base, redis: undefined, namespace: 'nope' } as unknown as Options)
    expect(problems[0]).toMatch(/^redis: a client is required/)
    expect(problems.some((p) => p.startsWith('namespace:'))).toBe(true)
  })

  it('validates tiers like the default limits, each problem under its tier (issue 19)', () => {
    const resolved = resolveOptions({
      ...base,
      tiers: { pro: { name: 'burst', capacity: 200, refill: { tokens: 100, interval: '1s' } } },
      tierOf: () => 'pro',
    })
    expect([...resolved.tiers.keys()]).toEqual(['pro'])
    expect(resolved.tiers.get('pro')?.[0]).toMatchObject({ name: 'burst', capacity: 200 })
    const slow = { name: 'slow', capacity: 10, refill: { tokens: 1, interval: '1d' } }
    const problems = problemsOf({
      ...base,
      tiers: { 'no spaces': base.limits, gold: [slow, slow] },
    })
    expect(problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^tiers\.no spaces: a tier name is 1-64 characters/)]),
    )
    expect(problemsOf({ ...base, tiers: { gold: [slow, slow] } })).toEqual([
      expect.stringMatching(/^tiers\.gold\.0: its bucket takes 864000000 ms to fill/),
      'tiers.gold.1.name: "slow" is used twice',
      expect.stringMatching(/^tiers\.gold\.1: its bucket takes/),
    ])
    expect(problemsOf({ ...base, tierOf: () => 'pro' })).toEqual([
      'tierOf: there are no tiers to choose from',
    ])
  })
})
