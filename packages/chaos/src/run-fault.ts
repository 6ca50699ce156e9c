import { setTimeout as sleep } from 'node:timers/promises'
import { clientReadiness } from '@redlayer/connection'
import {
  type FailoverProbe,
  FailoverProbe as Probe,
  startTopology,
  type TopologyKind,
} from '@redlayer/testkit'
import type { Fault, Wiring } from './faults.js'
import { type PackageName, startWorkloads, type Workload } from './workloads.js'

/** One row of the chaos table: one package under one fault on one topology. */
export interface ChaosRow {
  readonly package: PackageName
  readonly topology: TopologyKind
  readonly fault: string
  readonly calls: number
  readonly failed: number
  readonly degraded: number
  /** Must be 0 everywhere. */
  readonly wrong: number
  /** Acknowledged writes gone after the fault; undefined where the package keeps none (the cache). */
  readonly lost: number | undefined
  /** True when the fault keeps the data, so `lost` must be 0. */
  readonly guaranteed: boolean
  /** From the fault's end to the first call after which none failed or degraded, in ms. */
  readonly recoveredMs: number | undefined
  /**
   * For a sequence of failovers: per failover, ms from the promotion (as the testkit saw it) to the
   * first call after which none failed or degraded before the next fault (negative: before it).
   */
  readonly recoveredAfterPromotionMs: readonly number[]
  /** 1 when the package's client could not serve again within the bound after the fault: must be 0. */
  readonly stuck: number
  /** Calls whose failure was not a typed Redis condition (a raw error reached the caller): must be 0. */
  readonly untyped: number
  readonly unhandled: number
}

const STABLE_MS = 1_000
const RECOVERY_BOUND_MS = 30_000

/**
 * Starts a fresh topology for the fault, drives the four packages' workloads through it (warm-up,
 * fault, hold, clear), waits for every package to serve again, and returns one row per package.
 */
export async function runFault(fault: Fault, kind: TopologyKind): Promise<ChaosRow[]> {
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)
  process.on('unhandledRejection', onUnhandled)
  await using topology = await startTopology(kind, fault.topologyOptions ?? {})
  const wiring: Wiring = (await fault.wire?.(topology)) ?? {
    env: topology.env,
    [Symbol.asyncDispose]: async () => undefined,
  }
  await using _wiring = wiring
  const keepsData = fault.keepsData.includes(kind)
  const workloads = startWorkloads(wiring.env, keepsData, wiring.overrides)
  const untyped = new Map<PackageName, number>()
  try {
    await Promise.all(workloads.map((workload) => workload.client.ping()))
    const probes = workloads.map((workload) => probeOf(workload, untyped))
    await sleep(500)
    for (const probe of probes) probe.mark('fault')
    const mark = (name: string) => {
      for (const probe of probes) probe.mark(name)
    }
    const active = await fault.inject(
      topology,
      wiring,
      workloads.map((workload) => workload.client),
      mark,
    )
    await sleep(fault.holdMs)
    await active.clear()
    for (const probe of probes) probe.mark('cleared')
    const stuck = await Promise.all(probes.map((probe, index) => settle(probe, workloads[index] as Workload)))
    const reports = await Promise.all(probes.map((probe) => probe.stop()))
    const afterPromotion = probes.map((probe) => recoveriesAfterPromotion(probe))
    const verdicts = await Promise.all(workloads.map((workload) => workload.verify().catch(() => undefined)))
    return workloads.map((workload, index) => {
      const report = reports[index] as Awaited<ReturnType<FailoverProbe['stop']>>
      const verdict = verdicts[index]
      const cleared = report.marks.cleared ?? 0
      return {
        package: workload.name,
        topology: kind,
        fault: fault.name,
        calls: report.calls,
        failed: report.failed,
        degraded: report.degraded,
        wrong: verdict?.wrong ?? Number.NaN,
        lost: verdict?.lost,
        guaranteed: keepsData && verdict?.lost !== undefined,
        recoveredMs:
          report.recoveryMs === undefined ? undefined : Math.max(0, Math.round(report.recoveryMs - cleared)),
        recoveredAfterPromotionMs: afterPromotion[index] as readonly number[],
        stuck: (stuck[index] as boolean) || verdict === undefined ? 1 : 0,
        untyped: untyped.get(workload.name) ?? 0,
        unhandled: unhandled.length,
      }
    })
  } finally {
    for (const workload of workloads)
      await Promise.resolve(workload[Symbol.asyncDispose]()).catch(() => undefined)
    process.off('unhandledRejection', onUnhandled)
  }
}

/** The package's callers; a failure must be a typed Redis condition, anything else is counted. */
function probeOf(workload: Workload, untyped: Map<PackageName, number>): FailoverProbe {
  return Probe.start({
    callers: 4,
    pauseMs: 5,
    maxCalls: 200_000,
    maxDurationMs: 10 * 60_000,
    call: async (caller, iteration) => {
      try {
        return await workload.call(caller, iteration)
      } catch (error) {
        if (!isTyped(error)) untyped.set(workload.name, (untyped.get(workload.name) ?? 0) + 1)
        throw error
      }
    },
  })
}

function isTyped(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^E_[A-Z_]+$/.test(code)
}

/**
 * Waits (bounded) until the package's calls are stable again and its client can serve; true when
 * it is stuck: the client never became ready, or calls kept failing past the bound.
 */
async function settle(probe: FailoverProbe, workload: Workload): Promise<boolean> {
  try {
    await probe.waitUntilStable(STABLE_MS, { timeoutMs: RECOVERY_BOUND_MS })
    return !clientReadiness(workload.client).ready
  } catch {
    return true
  }
}

/** Per `promoted-N` mark: ms from it to the first call after which none was bad until `fault-(N+1)`. */
function recoveriesAfterPromotion(probe: FailoverProbe): number[] {
  const recoveries: number[] = []
  for (let n = 0; ; n++) {
    const promoted = probe.markAt(`promoted-${n}`)
    if (promoted === undefined) return recoveries
    const from = probe.markAt(`fault-${n}`) ?? 0
    const until = probe.markAt(`fault-${n + 1}`) ?? Number.POSITIVE_INFINITY
    const between = probe.calls.filter((call) => call.startMs >= from && call.endMs <= until)
    const lastBad = between.reduce(
      (last, call) => (call.outcome === 'ok' ? last : Math.max(last, call.endMs)),
      -1,
    )
    const firstGood = between.find((call) => call.outcome === 'ok' && call.startMs >= lastBad)
    if (firstGood !== undefined) recoveries.push(Math.round(firstGood.startMs - promoted))
  }
}
