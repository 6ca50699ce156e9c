import { interleave } from '../harness.js'
import { EVENT, fill, redlayerSessions } from '../peers/sessions.js'
import { check, find } from '../result.js'
import { type Scenario, STANDALONE_ONLY } from '../scenario.js'

const SHORT_SESSIONS = 200
const SHORT_START = 10

/** ADR-0033's claim: an append costs the same whatever the session's length (RPUSH is O(1)). */
export const sessionLength: Scenario = {
  name: 'session-length',
  title: 'sessions: append latency, long session vs short',
  adrs: ['ADR-0033'],
  topologies: STANDALONE_ONLY,
  async run(ctx) {
    const store = await redlayerSessions(ctx)
    const longEvents = ctx.count(100_000, 1_000)
    const long = (await store.create({ appName: 'bench', userId: 'long' })).id
    await fill(store, long, longEvents)
    // Short sessions start at 10 events; the appends are spread over 200 of them so that each
    // stays short (at most a few dozen events) until the end.
    const short: string[] = []
    for (let n = 0; n < SHORT_SESSIONS; n++) {
      const id = (await store.create({ appName: 'bench', userId: `short-${n}` })).id
      await fill(store, id, SHORT_START, 10)
      short.push(id)
    }
    const longName = `at ${longEvents.toLocaleString('en-US')} events`
    const shortName = `at ${SHORT_START} events`
    const contenders = [
      { name: longName, op: () => store.appendEvent(long, EVENT) },
      {
        name: shortName,
        op: (_w: number, i: number) => store.appendEvent(short[i % SHORT_SESSIONS] as string, EVENT),
      },
    ]
    const measurements = await interleave(contenders, ctx.plan(1, { opsPerRound: 400, rounds: 15 }))
    const atLong = find(measurements, longName, 1)
    const atShort = find(measurements, shortName, 1)
    return {
      measurements,
      checks: [
        check(`p50 ${longName} / p50 ${shortName}`, atLong.p50Ms / atShort.p50Ms, 'x', {
          op: '<=',
          target: 1.2,
        }),
        check(`p99 ${longName} / p99 ${shortName}`, atLong.p99Ms / atShort.p99Ms, 'x'),
      ],
      notes: ['concurrency 1; the short sessions grow to at most ~40 events over the run'],
    }
  },
}
