import { performance } from 'node:perf_hooks'
import { pollUntil, sleep, type WaitOptions } from './poll.js'

/**
 * What one call saw: `ok` (Redis answered), `degraded` (the package answered without Redis: a
 * fallback, a stale value, a local decision) or `failed` (it threw).
 */
export type CallOutcome = 'ok' | 'degraded' | 'failed'

export interface ProbeCall {
  readonly caller: number
  /** Start and end, in ms since the probe started. */
  readonly startMs: number
  readonly endMs: number
  readonly outcome: CallOutcome
  /** For a failed call: a short, secret-free kind (`E_REDIS_UNAVAILABLE < READONLY`). */
  readonly error?: string
  /** True when a READONLY reply appears anywhere in the failed call's cause chain. */
  readonly readonly?: boolean
}

export interface FailoverProbeOptions {
  /** One call of the package under test; return `'degraded'` when it answered without Redis. */
  call: (caller: number, iteration: number) => Promise<CallOutcome | undefined>
  /** Concurrent callers, each calling in a loop (1 to 32, default 4). */
  callers?: number
  /** Pause of each caller between two calls, in ms (default 5): load, not a busy loop. */
  pauseMs?: number
  /** Bound on the calls of all callers together (default 20 000); the callers stop there. */
  maxCalls?: number
  /** Bound on the probe's life, in ms (default 60 000); the callers stop there. */
  maxDurationMs?: number
}

export interface FailoverReport {
  readonly calls: number
  readonly ok: number
  readonly degraded: number
  readonly failed: number
  /** Failed calls by kind. */
  readonly errors: Readonly<Record<string, number>>
  /** The named marks (`fault`, `promoted`...), in ms since the fault (since the start without one). */
  readonly marks: Readonly<Record<string, number>>
  /**
   * From the start of the first call that failed or degraded to the end of the last one, in ms:
   * how long callers saw the failover. 0 when no call did.
   */
  readonly windowMs: number
  /**
   * From the fault to the start of the first ok call after which no call failed or degraded, in
   * ms; undefined when the callers had not recovered when the probe stopped.
   */
  readonly recoveryMs: number | undefined
  /** Failed calls with READONLY in their cause, and when the last one ended (ms since the fault). */
  readonly readonlyErrors: number
  readonly lastReadonlyMs: number | undefined
  /** How long the callers ran without a single failed or degraded call at the end, in ms. */
  readonly stableTailMs: number
}

const DEFAULTS = { callers: 4, pauseMs: 5, maxCalls: 20_000, maxDurationMs: 60_000 }

/**
 * Runs a few callers of a package in a loop while a test injects a fault, records every call's
 * outcome with timestamps, and reports the window in which calls failed or degraded and the time
 * to recover (ADR-0015, measured failover behaviour). Bounded in calls and in time.
 */
export class FailoverProbe {
  readonly #options: Required<FailoverProbeOptions>
  readonly #origin = performance.now()
  readonly #calls: ProbeCall[] = []
  readonly #marks = new Map<string, number>()
  readonly #stop = new AbortController()
  readonly #loops: Promise<void>[]
  #started = 0

  private constructor(options: FailoverProbeOptions) {
    const resolved = {
      call: options.call,
      callers: options.callers ?? DEFAULTS.callers,
      pauseMs: options.pauseMs ?? DEFAULTS.pauseMs,
      maxCalls: options.maxCalls ?? DEFAULTS.maxCalls,
      maxDurationMs: options.maxDurationMs ?? DEFAULTS.maxDurationMs,
    }
    const { callers, pauseMs, maxCalls, maxDurationMs } = resolved
    if (!Number.isInteger(callers) || callers < 1 || callers > 32)
      throw new RangeError(`callers is an integer in [1, 32], got ${callers}`)
    for (const [name, value] of Object.entries({ pauseMs, maxCalls, maxDurationMs })) {
      if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} is a number >= 0, got ${value}`)
    }
    this.#options = resolved
    const deadline = setTimeout(() => this.#stop.abort(), maxDurationMs)
    deadline.unref()
    this.#loops = Array.from({ length: callers }, (_, caller) => this.#loop(caller))
    void Promise.all(this.#loops).finally(() => clearTimeout(deadline))
  }

  /** Starts the callers at once. */
  static start(options: FailoverProbeOptions): FailoverProbe {
    return new FailoverProbe(options)
  }

  /** Ms since the probe started. */
  now(): number {
    return performance.now() - this.#origin
  }

  /** Records a named instant (`fault` anchors the report); returns it in ms since the start. */
  mark(name: string): number {
    const at = this.now()
    this.#marks.set(name, at)
    return at
  }

  /** A mark's instant in ms since the start, undefined when it was not made. */
  markAt(name: string): number | undefined {
    return this.#marks.get(name)
  }

  /** The calls completed so far. */
  get calls(): readonly ProbeCall[] {
    return this.#calls
  }

  /** True while the callers run (not stopped, and neither bound reached). */
  get running(): boolean {
    return !this.#stop.signal.aborted
  }

  /**
   * Waits until the callers have called for `okForMs` ms after the fault without one failed or
   * degraded call, and at least `minCalls` (default 10) calls completed in that stretch.
   */
  async waitUntilStable(okForMs: number, options: WaitOptions & { minCalls?: number } = {}): Promise<void> {
    const minCalls = options.minCalls ?? 10
    const settled = await pollUntil(
      async () => {
        if (!this.running) return 'stopped' as const
        const fault = this.#marks.get('fault') ?? 0
        const since = this.now() - okForMs
        if (since < fault) return undefined
        const recent = this.#calls.filter((call) => call.startMs >= since)
        const calm = recent.length >= minCalls && recent.every((call) => call.outcome === 'ok')
        return calm && this.#lastBadEnd() <= since ? ('stable' as const) : undefined
      },
      {
        timeoutMs: options.timeoutMs ?? 30_000,
        signal: options.signal,
        intervalMs: 50,
        what: `${okForMs} ms of calls without a failure`,
      },
    )
    if (settled === 'stopped')
      throw new Error('the probe stopped (a bound was reached) before the callers were stable')
  }

  /** Stops the callers, waits for the calls in flight, and computes the report. */
  async stop(): Promise<FailoverReport> {
    this.#stop.abort()
    await Promise.all(this.#loops)
    return summarize(this.#calls, this.#marks, this.now())
  }

  async #loop(caller: number): Promise<void> {
    const { call, pauseMs, maxCalls } = this.#options
    for (let iteration = 0; this.running; iteration++) {
      if (this.#started >= maxCalls) {
        this.#stop.abort()
        break
      }
      this.#started++
      const startMs = this.now()
      try {
        const outcome = (await call(caller, iteration)) ?? 'ok'
        this.#calls.push({ caller, startMs, endMs: this.now(), outcome })
      } catch (error) {
        this.#calls.push({
          caller,
          startMs,
          endMs: this.now(),
          outcome: 'failed',
          error: errorKind(error),
          readonly: causeChain(error).some((e) => messageOf(e).startsWith('READONLY')),
        })
      }
      if (pauseMs > 0 && this.running) await sleep(pauseMs, this.#stop.signal).catch(() => undefined)
    }
  }

  #lastBadEnd(): number {
    let last = Number.NEGATIVE_INFINITY
    for (const call of this.#calls) if (call.outcome !== 'ok' && call.endMs > last) last = call.endMs
    return last
  }
}

function summarize(
  calls: readonly ProbeCall[],
  marks: Map<string, number>,
  stoppedAt: number,
): FailoverReport {
  const fault = marks.get('fault') ?? 0
  const bad = calls.filter((call) => call.outcome !== 'ok')
  const errors: Record<string, number> = {}
  for (const call of bad) if (call.error) errors[call.error] = (errors[call.error] ?? 0) + 1
  const readonly = bad.filter((call) => call.readonly)
  const lastBadEnd = Math.max(Number.NEGATIVE_INFINITY, ...bad.map((call) => call.endMs))
  const firstBadStart = Math.min(Number.POSITIVE_INFINITY, ...bad.map((call) => call.startMs))
  // Recovered at the first ok call that started after every failed or degraded call ended.
  const recovery = calls
    .filter((call) => call.outcome === 'ok' && call.startMs >= lastBadEnd)
    .reduce((first, call) => Math.min(first, call.startMs), Number.POSITIVE_INFINITY)
  return {
    calls: calls.length,
    ok: calls.length - bad.length,
    degraded: bad.filter((call) => call.outcome === 'degraded').length,
    failed: bad.filter((call) => call.outcome === 'failed').length,
    errors,
    marks: Object.fromEntries([...marks].map(([name, at]) => [name, round(at - fault)])),
    windowMs: bad.length === 0 ? 0 : round(lastBadEnd - firstBadStart),
    recoveryMs: Number.isFinite(recovery) ? round(Math.max(0, recovery - fault)) : undefined,
    readonlyErrors: readonly.length,
    lastReadonlyMs:
      readonly.length === 0 ? undefined : round(Math.max(...readonly.map((call) => call.endMs)) - fault),
    stableTailMs: round(stoppedAt - (bad.length === 0 ? 0 : lastBadEnd)),
  }
}

const round = (ms: number) => Math.round(ms)

function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = []
  for (
    let e = error;
    e !== undefined && e !== null && chain.length < 8;
    e = (e as { cause?: unknown }).cause
  ) {
    chain.push(e)
    if (typeof e !== 'object') break
  }
  return chain
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * A short kind for a failed call, without key names or values: each link of the cause chain as
 * its code (`E_REDIS_UNAVAILABLE`), the leading upper-case word of a Redis reply (`READONLY`,
 * `CLUSTERDOWN`) or its class name, joined by ` < `.
 */
export function errorKind(error: unknown): string {
  return causeChain(error)
    .map((e) => {
      const code = (e as { code?: unknown } | null)?.code
      if (typeof code === 'string' && code !== '') return code
      const word = /^([A-Z][A-Z_]{2,})\b/.exec(messageOf(e))?.[1]
      if (word) return word
      if (/timed? ?out/i.test(messageOf(e))) return 'timeout'
      return e instanceof Error ? e.constructor.name : typeof e
    })
    .join(' < ')
}
