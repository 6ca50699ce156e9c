/**
 * Evictions over a recent window, from the server's lifetime `evicted_keys` counter sampled at
 * each report. A counter that went down (a restarted server) starts a fresh series.
 */
export class EvictionTracker {
  readonly windowMs: number
  readonly #samples: { at: number; total: number }[] = []

  constructor(windowMs: number) {
    this.windowMs = windowMs
  }

  /** Records a sample and returns the evictions since the oldest sample within the window. */
  observe(total: number, now = Date.now()): number {
    const last = this.#samples.at(-1)
    if (last && total < last.total) this.#samples.length = 0
    this.#samples.push({ at: now, total })
    // Keep one sample at or before the window start, so the increase covers the whole window.
    while (this.#samples.length > 2 && (this.#samples[1]?.at ?? now) <= now - this.windowMs)
      this.#samples.shift()
    // Bounded whatever the report rate: thin the middle out, keeping the first and the last.
    if (this.#samples.length > 1_000) this.#samples.splice(1, 1)
    return total - (this.#samples[0]?.total ?? total)
  }
}
