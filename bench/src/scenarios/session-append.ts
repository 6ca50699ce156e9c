import { randomBytes } from 'node:crypto'
import { interleaveAtEachConcurrency } from '../harness.js'
import { EVENT, redlayerSessions } from '../peers/sessions.js'
import { cpuChecks, throughputChecks } from '../result.js'
import { CONCURRENCY, type Scenario, STANDALONE_AND_CLUSTER } from '../scenario.js'

const IDLE_S = 3_600

/** Appending one event to a session (each caller its own session). */
export const sessionAppend: Scenario = {
  name: 'session-append',
  title: 'sessions: appendEvent',
  adrs: ['ADR-0033'],
  topologies: STANDALONE_AND_CLUSTER,
  async run(ctx) {
    const store = await redlayerSessions(ctx)
    const raw = await ctx.redis('raw')
    const rawPrefix = ctx.prefix('raw')
    const sessions: string[] = []
    for (let worker = 0; worker < Math.max(...CONCURRENCY); worker++) {
      sessions.push((await store.create({ appName: 'bench', userId: `user-${worker}` })).id)
    }
    let seq = 0
    const contenders = [
      {
        name: 'redlayer',
        op: async (worker: number) => {
          const result = await store.appendEvent(sessions[worker] as string, EVENT)
          if (result.status !== 'appended') throw new Error(`append ${result.status}`)
        },
      },
      {
        // What the append replaces at its simplest: push the event, slide the TTL; no version,
        // no idempotency, no owner index, no absolute cap.
        name: 'raw RPUSH+EXPIRE pipeline',
        op: async (worker: number) => {
          const key = `${rawPrefix}${worker}`
          const json = JSON.stringify({
            seq: ++seq,
            at: Date.now(),
            event: { id: randomBytes(16).toString('base64url'), ...EVENT },
          })
          await raw.pipeline().rpush(key, json).expire(key, IDLE_S).exec()
        },
      },
    ]
    const measurements = await interleaveAtEachConcurrency(contenders, (concurrency) =>
      ctx.plan(concurrency, { opsPerRound: concurrency === 1 ? 600 : 3_000, rounds: 15 }),
    )
    return {
      measurements,
      checks: [
        ...throughputChecks(
          measurements,
          'redlayer',
          'raw RPUSH+EXPIRE pipeline',
          { op: '>=', target: 0.6 },
          CONCURRENCY,
        ),
        // Issue 18: the client CPU per call at most 1.3x the raw pipeline's.
        ...cpuChecks(measurements, 'redlayer', 'raw RPUSH+EXPIRE pipeline', { op: '<=', target: 1.3 }, [1]),
      ],
    }
  },
}
