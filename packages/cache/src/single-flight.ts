/**
 * In-process single-flight: while a call for a key is in flight, later callers for the same key
 * get the same promise instead of starting their own (ADR-0020).
 */
export class SingleFlight<T> {
  readonly #flights = new Map<string, Promise<T>>()

  run(key: string, fn: () => Promise<T>): Promise<T> {
    const current = this.#flights.get(key)
    if (current !== undefined) return current
    const flight = fn().finally(() => {
      if (this.#flights.get(key) === flight) this.#flights.delete(key)
    })
    this.#flights.set(key, flight)
    return flight
  }

  has(key: string): boolean {
    return this.#flights.has(key)
  }

  /** The call in flight for `key`, if any. */
  current(key: string): Promise<T> | undefined {
    return this.#flights.get(key)
  }

  /**
   * Makes `flight` (started elsewhere: one id of a batch, issue 19) the call in flight for `key`
   * until it settles. Its rejection is for whoever awaits it, never an unhandled one.
   */
  adopt(key: string, flight: Promise<T>): void {
    this.#flights.set(key, flight)
    const done = () => {
      if (this.#flights.get(key) === flight) this.#flights.delete(key)
    }
    flight.then(done, done)
  }
}

/**
 * Issue 19 (ADR-0020): the single-flight of a batch. Every key with a load in flight in this
 * process (a getOrSet's, another batch's) waits for it; the others are registered as in flight
 * before anything is read, so that a call of the same tick joins them, and are loaded by ONE call
 * of `load` (their positions). Resolves with a value per key, in order; rejects when a load it
 * waited for failed.
 */
export async function batchFlights(
  flights: SingleFlight<{ readonly value: unknown }>,
  keys: readonly string[],
  load: (positions: number[]) => Promise<readonly unknown[]>,
): Promise<unknown[]> {
  const out: unknown[] = new Array(keys.length)
  const waits: Promise<void>[] = []
  const own: { at: number; settle: (outcome: Promise<unknown>) => void }[] = []
  keys.forEach((key, at) => {
    const shared = flights.current(key)
    if (shared !== undefined) {
      waits.push(
        shared.then((fill) => {
          out[at] = fill.value
        }),
      )
      return
    }
    let settle: ((outcome: Promise<unknown>) => void) | undefined
    const value = new Promise<unknown>((resolve) => {
      settle = resolve
    })
    flights.adopt(
      key,
      value.then((loaded) => ({ value: loaded })),
    )
    own.push({ at, settle: settle as (outcome: Promise<unknown>) => void })
  })
  if (own.length > 0) {
    const batch = load(own.map((one) => one.at))
    own.forEach((one, position) => {
      one.settle(batch.then((values) => values[position]))
    })
    waits.push(
      batch.then((values) => {
        own.forEach((one, position) => {
          out[one.at] = values[position]
        })
      }),
    )
  }
  await Promise.all(waits)
  return out
}
