export interface KeyWait {
  /** True when woken by a message about the key, false when the wait ran out or was aborted. */
  readonly woken: Promise<boolean>
  cancel(): void
}

/**
 * Callers waiting for another process to fill a key (distributed single-flight, ADR-0020). They
 * are woken by the bus message the filling process publishes after its write; nothing polls.
 * Every wait is bounded by a timer and by the caller's signal.
 */
export class KeyWaiters {
  readonly #waiters = new Map<string, Set<(woken: boolean) => void>>()

  /** Registers at once (before the caller re-checks Redis), so no message can slip between. */
  wait(key: string, timeoutMs: number, signal?: AbortSignal): KeyWait {
    let settle: (woken: boolean) => void = () => {}
    const woken = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => settle(false), timeoutMs)
      timer.unref()
      const onAbort = () => settle(false)
      signal?.addEventListener('abort', onAbort, { once: true })
      settle = (value) => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        const set = this.#waiters.get(key)
        set?.delete(settle)
        if (set?.size === 0) this.#waiters.delete(key)
        resolve(value)
      }
      if (signal?.aborted) return settle(false)
      let set = this.#waiters.get(key)
      if (set === undefined) {
        set = new Set()
        this.#waiters.set(key, set)
      }
      set.add(settle)
    })
    return { woken, cancel: () => settle(false) }
  }

  wake(keys: Iterable<string>): void {
    for (const key of keys) {
      const set = this.#waiters.get(key)
      if (set) for (const settle of [...set]) settle(true)
    }
  }

  wakeAll(): void {
    for (const set of [...this.#waiters.values()]) for (const settle of [...set]) settle(true)
  }
}
