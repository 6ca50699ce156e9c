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

/** One id's outcome in a batch (the shape of `Promise.allSettled`'s). */
export type Settled<T> = PromiseSettledResult<T>

/**
 * Issue 19 (ADR-0020): the single-flight of a batch. Every key with a load in flight in this
 * process (a getOrSet's, another batch's) waits for it; the others are registered as in flight
 * before anything is read, so that a call of the same tick joins them, and are loaded by ONE call
 * of `load` (their positions). Resolves with an outcome per key, in order: a key fails alone (its
 * own load's failure, or the one it waited for), and a caller joining it gets that outcome.
 */
export async function batchFlights(
  flights: SingleFlight<{ readonly value: unknown }>,
  keys: readonly string[],
  load: (positions: number[]) => Promise<readonly Settled<unknown>[]>,
): Promise<Settled<unknown>[]> {
  const out: Settled<unknown>[] = new Array(keys.length)
  const waits: Promise<void>[] = []
  const own: { at: number; settle: (outcome: Promise<Settled<unknown>>) => void }[] = []
  keys.forEach((key, at) => {
    const shared = flights.current(key)
    if (shared !== undefined) {
      waits.push(
        shared.then(
          (fill) => {
            out[at] = { status: 'fulfilled', value: fill.value }
          },
          (reason: unknown) => {
            out[at] = { status: 'rejected', reason }
          },
        ),
      )
      return
    }
    let settle: ((outcome: Promise<Settled<unknown>>) => void) | undefined
    const outcome = new Promise<Settled<unknown>>((resolve) => {
      settle = resolve
    })
    flights.adopt(
      key,
      outcome.then((one) => (one.status === 'fulfilled' ? { value: one.value } : Promise.reject(one.reason))),
    )
    own.push({ at, settle: settle as (outcome: Promise<Settled<unknown>>) => void })
  })
  if (own.length > 0) {
    // A batch that fails as a whole (Redis failing closed, a bug) fails each of its keys.
    const batch = load(own.map((one) => one.at)).catch((reason: unknown) =>
      own.map((): Settled<unknown> => ({ status: 'rejected', reason })),
    )
    own.forEach((one, position) => {
      one.settle(batch.then((outcomes) => outcomes[position] as Settled<unknown>))
    })
    waits.push(
      batch.then((outcomes) => {
        own.forEach((one, position) => {
          out[one.at] = outcomes[position] as Settled<unknown>
        })
      }),
    )
  }
  await Promise.all(waits)
  return out
}
