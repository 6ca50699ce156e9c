import { FailoverProbe, type FailoverProbeOptions, type FailoverReport } from './failover-probe.js'
import { type MeasurementRow, recordMeasurement } from './measurements.js'
import { pollUntil, sleep } from './poll.js'
import { failoverBoundMs, failPrimary, type PrimaryFaultKind } from './primary-fault.js'
import type { ClusterTopology, SentinelTopology } from './topology.js'

/** What the run needs of a circuit breaker (a `RedisGuard` of @redlayer/resilience fits). */
export interface BreakerLike {
  readonly state: string
  on(event: 'stateChange', listener: (change: { from: string; to: string }) => void): unknown
  off?(event: 'stateChange', listener: (change: { from: string; to: string }) => void): unknown
}

export interface FailoverRunOptions {
  topology: SentinelTopology | ClusterTopology
  fault: PrimaryFaultKind
  /** On a Cluster, the master serving this key fails: pass a key of the slot the calls use. */
  key?: string
  /** One call of the package (see `FailoverProbe`). */
  call: FailoverProbeOptions['call']
  callers?: number
  /** Calls before the fault, in ms (default 300). */
  warmupMs?: number
  /** The run ends after this long without a failed or degraded call (default 1000 ms). */
  stableForMs?: number
  /** The package's breaker: its transitions are marked, and the run waits for it to close. */
  breaker?: BreakerLike
  /** Bound on each wait (promotion, stability, the breaker closing), in ms (default 30 000). */
  timeoutMs?: number
}

export interface FailoverRun extends FailoverReport {
  readonly kind: 'sentinel' | 'cluster'
  readonly fault: PrimaryFaultKind
  /** From the fault to the promoted replica accepting writes, as the topology helpers see it. */
  readonly promotedMs: number
  /** How often the breaker opened, and when it closed for the last time (ms since the fault). */
  readonly breakerOpened: number
  readonly breakerClosedMs: number | undefined
  readonly breakerState: string | undefined
}

/**
 * Runs a package's calls in a loop, fails the primary (kill -9 or SIGSTOP) while they run, waits
 * for the promotion, for the calls to be stable again and for the breaker to close by itself, and
 * reports what the callers saw (ADR-0015, measured failover behaviour).
 */
export async function runFailover(options: FailoverRunOptions): Promise<FailoverRun> {
  const { topology, fault, breaker, warmupMs = 300, stableForMs = 1_000, timeoutMs = 30_000 } = options
  const probe = FailoverProbe.start({
    call: options.call,
    callers: options.callers,
    maxDurationMs: 3 * timeoutMs,
  })
  let opened = 0
  const onChange = ({ to }: { to: string }) => {
    if (to === 'open') {
      opened++
      probe.mark('breaker-open')
    }
    if (to === 'closed') probe.mark('breaker-closed')
  }
  breaker?.on('stateChange', onChange)
  try {
    await sleep(warmupMs)
    probe.mark('fault')
    const failure = await failPrimary(topology, fault, { key: options.key })
    await failure.waitForPromotion({ timeoutMs })
    probe.mark('promoted')
    await probe.waitUntilStable(stableForMs, { timeoutMs })
    if (breaker) {
      await pollUntil(async () => (breaker.state === 'closed' ? true : undefined), {
        timeoutMs,
        what: 'the breaker to close by itself',
      })
    }
  } catch (error) {
    // What the callers saw, so that a run that never settled says why (errors by kind, marks).
    const seen = await probe.stop()
    const errors = Object.entries(seen.errors).map(([kind, count]) => `${kind} ×${count}`)
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}; ${seen.calls} calls, ${seen.failed} failed, ` +
        `${seen.degraded} degraded, marks ${JSON.stringify(seen.marks)}, breaker ${breaker?.state ?? '-'}, ` +
        `errors: ${errors.join('; ') || '-'}`,
      { cause: error },
    )
  } finally {
    breaker?.off?.('stateChange', onChange)
  }
  const report = await probe.stop()
  return {
    ...report,
    kind: topology.kind,
    fault,
    promotedMs: report.marks.promoted ?? Number.NaN,
    breakerOpened: opened,
    breakerClosedMs: report.marks['breaker-closed'],
    breakerState: breaker?.state,
  }
}

/**
 * What is wrong with a run, by generous bounds (an empty list when nothing): the callers recovered
 * within the failover bound of the settings plus `slackMs`, no READONLY error came after the
 * recovery, the callers were stable at the end, and the breaker (when given) is closed.
 */
export function failoverViolations(run: FailoverRun, slackMs = 10_000): string[] {
  const bound = failoverBoundMs(run.kind) + slackMs
  const problems: string[] = []
  if (run.recoveryMs === undefined) problems.push('the callers never recovered')
  else if (run.recoveryMs > bound) problems.push(`recovery took ${run.recoveryMs} ms, over ${bound} ms`)
  if (run.windowMs > bound) problems.push(`calls failed or degraded for ${run.windowMs} ms, over ${bound} ms`)
  if (run.lastReadonlyMs !== undefined && run.recoveryMs !== undefined && run.lastReadonlyMs > run.recoveryMs)
    problems.push(`a READONLY error at ${run.lastReadonlyMs} ms, after the recovery at ${run.recoveryMs} ms`)
  if (run.ok === 0) problems.push('no call succeeded')
  if (run.breakerState !== undefined && run.breakerState !== 'closed')
    problems.push(`the breaker is ${run.breakerState}, not closed`)
  return problems
}

/** Records the run as a row of the `failover under load` table (see `recordMeasurement`). */
export function recordFailover(pkg: string, run: FailoverRun, extra: MeasurementRow = {}): void {
  recordMeasurement('failover under load', {
    package: pkg,
    topology: run.kind,
    fault: run.fault === 'kill' ? 'kill -9' : 'SIGSTOP',
    calls: run.calls,
    failed: run.failed,
    degraded: run.degraded,
    'window ms': run.windowMs,
    'promoted ms': run.promotedMs,
    'recovered ms': run.recoveryMs,
    // Issue 13: how long the callers trail the promotion (negative: before the testkit saw it).
    'recovered after promoted ms':
      run.recoveryMs === undefined || Number.isNaN(run.promotedMs)
        ? undefined
        : Math.round(run.recoveryMs - run.promotedMs),
    READONLY: run.readonlyErrors,
    'breaker opened': run.breakerOpened,
    'breaker closed ms': run.breakerClosedMs,
    errors: Object.entries(run.errors)
      .map(([kind, count]) => `${kind} ×${count}`)
      .join('; '),
    ...extra,
  })
}
