import { describe, expect, it } from 'vitest'
import { errorKind, FailoverProbe } from './failover-probe.js'
import { failoverMode } from './measurements.js'
import { sleep } from './poll.js'
import { failoverBoundMs, failoverSettings } from './primary-fault.js'

describe('FailoverProbe', () => {
  it('measures the window of failed and degraded calls and the recovery from the fault', async () => {
    let phase: 'up' | 'down' | 'degraded' = 'up'
    const probe = FailoverProbe.start({
      callers: 3,
      pauseMs: 2,
      // The outcome follows the phase at the call's start, so a call that began before the
      // promotion mark never counts as the recovery, however late its timer fires.
      call: async () => {
        const seen = phase
        await sleep(1)
        if (seen === 'down') throw new Error('READONLY You can not write against a read only replica.')
        return seen === 'degraded' ? 'degraded' : 'ok'
      },
    })
    await sleep(40)
    phase = 'down'
    probe.mark('fault')
    await sleep(60)
    phase = 'degraded'
    await sleep(40)
    probe.mark('promoted')
    phase = 'up'
    await probe.waitUntilStable(50, { timeoutMs: 5_000 })
    const report = await probe.stop()
    expect(report.failed).toBeGreaterThan(0)
    expect(report.degraded).toBeGreaterThan(0)
    expect(report.ok + report.failed + report.degraded).toBe(report.calls)
    expect(report.errors).toEqual({ READONLY: report.failed })
    expect(report.readonlyErrors).toBe(report.failed)
    // Generous bounds: the phases last 100 ms, timers on a shared machine stretch.
    expect(report.windowMs).toBeGreaterThanOrEqual(90)
    expect(report.recoveryMs).toBeGreaterThanOrEqual(report.marks.promoted ?? Number.NaN)
    expect(report.lastReadonlyMs).toBeLessThanOrEqual(report.recoveryMs ?? 0)
    expect(report.stableTailMs).toBeGreaterThanOrEqual(50)
    expect(probe.running).toBe(false)
  })

  it('reports no window and an immediate recovery when nothing failed', async () => {
    const probe = FailoverProbe.start({ callers: 1, pauseMs: 1, call: async () => 'ok' })
    probe.mark('fault')
    await probe.waitUntilStable(20, { minCalls: 3, timeoutMs: 5_000 })
    const report = await probe.stop()
    expect(report).toMatchObject({ windowMs: 0, failed: 0, degraded: 0, readonlyErrors: 0, recoveryMs: 0 })
  })

  it('stops at its call bound, and a wait for stability then fails instead of hanging', async () => {
    const probe = FailoverProbe.start({ callers: 2, pauseMs: 0, maxCalls: 25, call: async () => undefined })
    probe.mark('fault')
    await expect(probe.waitUntilStable(10_000, { timeoutMs: 5_000 })).rejects.toThrow(/stopped/)
    const report = await probe.stop()
    expect(report.calls).toBe(25)
  })

  it('refuses out-of-range options', () => {
    expect(() => FailoverProbe.start({ callers: 0, call: async () => 'ok' })).toThrow(RangeError)
    expect(() => FailoverProbe.start({ callers: 1, pauseMs: -1, call: async () => 'ok' })).toThrow(RangeError)
  })
})

describe('errorKind', () => {
  it('names each link of the cause chain by code, Redis reply word or class, never by message', () => {
    const redis = new Error('READONLY You can not write against a read only replica. key=secret')
    const wrapped = Object.assign(new Error('Redis is unavailable', { cause: redis }), {
      code: 'E_REDIS_UNAVAILABLE',
    })
    expect(errorKind(wrapped)).toBe('E_REDIS_UNAVAILABLE < READONLY')
    expect(errorKind(new Error('Command timed out'))).toBe('timeout')
    expect(errorKind(new TypeError('bad'))).toBe('TypeError')
  })
})

describe('failover settings', () => {
  it('come from the shared config files', () => {
    expect(failoverSettings()).toEqual({
      sentinelDownAfterMs: 1000,
      sentinelFailoverTimeoutMs: 5000,
      clusterNodeTimeoutMs: 2000,
    })
    expect(failoverBoundMs('sentinel')).toBe(6000)
    expect(failoverBoundMs('cluster')).toBe(4000)
  })

  it('reads the measurement mode, short by default, and refuses an unknown one', () => {
    expect(failoverMode({})).toBe('short')
    expect(failoverMode({ REDLAYER_FAILOVER: 'full' })).toBe('full')
    expect(() => failoverMode({ REDLAYER_FAILOVER: 'fast' })).toThrow(/short or full/)
  })
})
