import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { topologiesFromEnv, useTopology } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import type { LimitDefinition } from '../src/index.js'
import { rateLimitFixture } from './fixtures.js'
import type { WorkerReport } from './load-worker.js'

const kinds = topologiesFromEnv().filter((kind) => kind !== 'sentinel')
const HOUR = 3_600_000
const PROCESSES = 4
const CALLERS = 50
const DURATION_MS = 3_000
// 100 tokens of burst, 50 per second: about 150 more admissions over the run.
const LIMIT: LimitDefinition = { name: 'shared', capacity: 100, refill: { tokens: 50, interval: '1s' } }
const RATE_PER_US = 50 / 1_000_000
// Two of the four processes run with clocks 3 hours ahead and 3 hours behind.
const CLOCK_OFFSETS = [0, 3 * HOUR, -3 * HOUR, 0]

function startWorker(input: object): ChildProcess {
  return spawn(
    process.execPath,
    [
      '--conditions=@redlayer/source',
      '--import',
      'tsx',
      fileURLToPath(new URL('./load-worker.ts', import.meta.url)),
    ],
    {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...process.env, RATELIMIT_WORKER: JSON.stringify(input) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  )
}

function nextMessage<T>(child: ChildProcess, field: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: Record<string, unknown>) => {
      if (field in message) {
        child.off('exit', onExit)
        child.off('message', onMessage)
        resolve(message[field] as T)
      }
    }
    const onExit = (code: number | null) =>
      reject(new Error(`worker exited (${code}) before sending "${field}"`))
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}

describe.each(kinds)('four processes against one subject on %s', (kind) => {
  const topology = useTopology(kind)

  it('admit exactly what the bucket allows, whatever their clocks say', { timeout: 60_000 }, async () => {
    await using f = await rateLimitFixture(topology)
    const limiter = f.limiter({ limits: LIMIT })
    const subject = 'shared-subject'
    const limit = limiter.limits[0] ?? expect.unreachable()
    const key = f.keyspace.family('ratelimit', subject).key(limiter.options.name, limit.name, limit.signature)
    // ADR-0012: the state is two little-endian doubles, the level (units) and its Redis time (us).
    const bucketState = async () => {
      const state = (await f.redis.getBuffer(key)) ?? expect.unreachable()
      return { level: state.readDoubleLE(0), at: state.readDoubleLE(8) }
    }
    const redisTimeUs = async () => {
      const [seconds, micros] = await f.redis.time()
      return Number(seconds) * 1_000_000 + Number(micros)
    }
    const workers = CLOCK_OFFSETS.map((clockOffsetMs) =>
      startWorker({
        redisEnv: topology.env,
        keyspacePrefix: f.keyspace.prefix,
        subject,
        limit: LIMIT,
        callers: CALLERS,
        durationMs: DURATION_MS,
        clockOffsetMs,
      }),
    )
    try {
      await Promise.all(workers.map((worker) => nextMessage(worker, 'ready')))
      // The start: this process takes the whole burst; the bucket is empty at Redis time `start`.
      expect((await limiter.consume(subject, { cost: LIMIT.capacity })).allowed).toBe(true)
      const start = (await bucketState()).at
      const reports = workers.map((worker) => nextMessage<WorkerReport>(worker, 'report'))
      for (const worker of workers) worker.send({ go: true })
      const results = await Promise.all(reports)
      await Promise.all(
        workers.map((worker) => (worker.exitCode === null ? once(worker, 'exit') : undefined)),
      )

      // The end: this process takes what the callers left (they stop at their deadline, possibly
      // after a scheduling stall), so the bucket ends below one token at its last admission.
      let leftOver = 0
      for (let remaining = (await limiter.peek(subject)).remaining; remaining >= 1; ) {
        if ((await limiter.consume(subject, { cost: remaining })).allowed) leftOver += remaining
        remaining = (await limiter.peek(subject)).remaining
      }
      const admitted = results.reduce((sum, report) => sum + report.admitted, 0) + leftOver
      const { level: lastLevel, at: lastAdmission } = await bucketState()
      const end = await redisTimeUs()
      const elapsed = lastAdmission - start
      console.info(
        `${kind}: ${PROCESSES}x${CALLERS} callers admitted ${admitted - leftOver} ` +
          `(${results.map((r) => r.admitted).join('+')}, ${leftOver} left over) ` +
          `and denied ${results.reduce((sum, r) => sum + r.denied, 0)} in ${(elapsed / 1e6).toFixed(3)} s of Redis time`,
      )
      expect(results.every((report) => report.degraded === 0)).toBe(true)
      expect(results.every((report) => report.admitted > 0)).toBe(true) // skewed clocks were served too
      // Never more than the refill between the start and the end (Redis TIME after the last call).
      expect(admitted).toBeLessThanOrEqual(Math.floor(RATE_PER_US * (end - start)))
      // Not more than one token's worth less than the refill up to the last admission.
      expect(admitted).toBeGreaterThanOrEqual(Math.floor(RATE_PER_US * elapsed) - 1)
      // And exactly: every admission is one token taken from the bucket, no more, no less.
      expect(admitted * limit.unitsPerToken).toBe(elapsed * limit.refillPerUs - lastLevel)
    } finally {
      for (const worker of workers) if (worker.exitCode === null) worker.kill('SIGKILL')
    }
  })
})
