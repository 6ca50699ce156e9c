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
}
