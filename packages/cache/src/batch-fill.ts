import { randomToken } from '@redlayer/connection/internal'
import type { CacheId } from './cache-id.js'
import { cacheError } from './errors.js'
import type { FillCoordinator, FillCoordinatorOptions } from './fill-coordinator.js'
import { isTimeout } from './loader-timeout.js'
import { type IdKeys, UNAVAILABLE } from './redis-store.js'
import { batchFlights, type Settled, type SingleFlight } from './single-flight.js'
import { tagsToRecord } from './tiered-reader.js'
import type { BatchLoader, Found, GetOrSetOptions, ReadResult } from './types.js'

/** The ids of one batch that one step works on: their positions in the call, ids and keys. */
interface Part {
  readonly at: readonly number[]
  readonly ids: readonly CacheId[]
  readonly keys: readonly IdKeys[]
}

const fulfilled = (value: unknown): Settled<unknown> => ({ status: 'fulfilled', value })

/**
 * Issue 19 (ADR-0020, "Single-flight"): `getManyOrSet` after its checks. The in-process
 * single-flight per id (`batchFlights`), then, with `distributedSingleFlight`, the cross-process
 * lease per id: the ids this process leases (or cannot lease: Redis or the bus is down) are
 * loaded at once by one loader call; those another process holds are waited for, woken by its
 * bus message, and what is still missing then is loaded by a second call. Every id has its own
 * outcome: a failed load or an `Error` in the loader's reply fails only the ids it covers, each
 * served its graced value if it has one.
 */
export class BatchFill<N extends string> {
  readonly #f: FillCoordinatorOptions<N>
  readonly #fills: FillCoordinator<N>
  readonly #flights: SingleFlight<{ readonly value: unknown }>

  constructor(
    options: FillCoordinatorOptions<N>,
    fills: FillCoordinator<N>,
    flights: SingleFlight<{ readonly value: unknown }>,
  ) {
    this.#f = options
    this.#fills = fills
    this.#flights = flights
  }

  /** An outcome per id, in order. */
  run(
    ids: readonly CacheId[],
    keys: readonly IdKeys[],
    tags: readonly string[],
    loader: BatchLoader<unknown>,
    options: GetOrSetOptions,
  ): Promise<Settled<unknown>[]> {
    return batchFlights(
      this.#flights,
      keys.map((one) => one.value),
      (at) =>
        this.#fill(
          { at, ids: at.map((i) => ids[i] as CacheId), keys: at.map((i) => keys[i] as IdKeys) },
          tags,
          loader,
          options,
        ),
    )
  }

  async #fill(
    part: Part,
    tags: readonly string[],
    loader: BatchLoader<unknown>,
    options: GetOrSetOptions,
  ): Promise<Settled<unknown>[]> {
    const read = await this.#f.reader.read(part.keys, tags)
    const out: Settled<unknown>[] = new Array(part.ids.length)
    const missing: number[] = []
    read.found.forEach((found, index) => {
      if (found?.fresh) {
        this.#f.events.hit(found.tier)
        out[index] = fulfilled(this.#f.decode(found.entry))
      } else if (found !== undefined && read.redisDown) {
        this.#f.events.stale('redis-unavailable')
        out[index] = fulfilled(this.#f.decode(found.entry))
      } else {
        this.#f.events.miss()
        missing.push(index)
      }
    })
    if (missing.length === 0) return out
    const sub = (positions: readonly number[]): Part => ({
      at: positions,
      ids: positions.map((i) => part.ids[i] as CacheId),
      keys: positions.map((i) => part.keys[i] as IdKeys),
    })
    const steps: Promise<void>[] = []
    const place = (positions: readonly number[], outcomes: Promise<Settled<unknown>[]>) =>
      steps.push(
        outcomes.then((settled) => {
          positions.forEach((position, index) => {
            out[position] = settled[index] as Settled<unknown>
          })
        }),
      )
    if (!this.#fills.distributedFor(options) || read.versions === undefined) {
      place(missing, this.#load(sub(missing), pick(read, missing), undefined, tags, loader, options))
    } else {
      const { mine, tokens, held } = await this.#lease(sub(missing))
      const leased = mine.map((i) => missing[i] as number)
      const waited = held.map((i) => missing[i] as number)
      // Another process may have written a value between the read and the lease: read again.
      if (leased.length > 0) {
        const mineOnly = sub(leased)
        const reread = this.#f.reader.read(mineOnly.keys, tags)
        place(
          leased,
          reread.then((again) => this.#load(mineOnly, again, tokens, tags, loader, options)),
        )
      }
      if (waited.length > 0) place(waited, this.#waitThenLoad(sub(waited), tags, loader, options))
    }
    await Promise.all(steps)
    return out
  }

  /** The lease of each id: taken (its token), held by another process, or out of reach (load alone). */
  async #lease(part: Part) {
    const distributed = this.#f.o.distributed as { leaseTtlMs: number }
    const tokens: (string | undefined)[] = []
    const mine: number[] = []
    const held: number[] = []
    await Promise.all(
      part.keys.map(async (keys, index) => {
        const token = randomToken()
        const acquired = await this.#f.store.acquireLease(keys.lease, token, distributed.leaseTtlMs)
        if (acquired !== true && acquired !== UNAVAILABLE && this.#f.bus?.subscribed) {
          held.push(index)
          return
        }
        mine.push(index)
        if (acquired === true) tokens[index] = token
      }),
    )
    mine.sort((a, b) => a - b)
    held.sort((a, b) => a - b)
    return { mine, tokens: mine.map((index) => tokens[index]), held }
  }

  /** Waits for the holders of these ids' leases (bounded by `maxWait`), then loads what is still missing. */
  async #waitThenLoad(
    part: Part,
    tags: readonly string[],
    loader: BatchLoader<unknown>,
    options: GetOrSetOptions,
  ): Promise<Settled<unknown>[]> {
    const { maxWaitMs } = this.#f.o.distributed as { maxWaitMs: number }
    // Registered before the re-read, so that no holder's message slips between (as for getOrSet).
    const waits = part.keys.map((keys) => this.#f.waiters.wait(keys.value, maxWaitMs))
    const read = await this.#f.reader.read(part.keys, tags)
    read.found.forEach((found, index) => {
      if (found?.fresh) waits[index]?.cancel()
    })
    await Promise.all(waits.map((wait) => wait.woken))
    const again = read.found.every((found) => found?.fresh)
      ? read
      : await this.#f.reader.read(part.keys, tags)
    return this.#load(part, again, undefined, tags, loader, options)
  }

  /**
   * The ids of `read` found fresh are served; the others are loaded by one loader call, written,
   * and their leases (`tokens`) given back, with a bus message for those not written so that the
   * other processes' waiters wake.
   */
  async #load(
    part: Part,
    read: ReadResult,
    tokens: readonly (string | undefined)[] | undefined,
    tags: readonly string[],
    loader: BatchLoader<unknown>,
    options: GetOrSetOptions,
  ): Promise<Settled<unknown>[]> {
    const out: Settled<unknown>[] = new Array(part.ids.length)
    const pending: number[] = []
    const release: Promise<unknown>[] = []
    read.found.forEach((found, index) => {
      if (!found?.fresh) {
        pending.push(index)
        return
      }
      this.#f.events.hit(found.tier)
      out[index] = fulfilled(this.#f.decode(found.entry))
      const token = tokens?.[index]
      if (token !== undefined)
        release.push(this.#f.store.releaseLease((part.keys[index] as IdKeys).lease, token))
    })
    await Promise.all(release)
    if (pending.length === 0) return out
    const stale = pending.map((index) => read.found[index])
    const recorded = tagsToRecord(tags, read)
    const versions = read.redisDown ? undefined : await this.#f.reader.withVersions(read.versions, recorded)
    let written: ReadonlySet<IdKeys> = new Set()
    const loading = this.#fills
      .timedLoad(
        pending.length,
        (signal) =>
          loader(
            pending.map((index) => part.ids[index] as CacheId),
            { signal },
          ),
        options,
      )
      .then(async (values) => {
        if (!Array.isArray(values) || values.length !== pending.length) {
          throw cacheError(
            'E_INVALID_VALUE',
            `the batch loader returned ${describeLength(values)} for ${pending.length} ids`,
          )
        }
        const items = pending.flatMap((index, position) => {
          const value: unknown = values[position]
          if (value === undefined || value instanceof Error) return []
          return [{ keys: part.keys[index] as IdKeys, value, deletedSeen: read.deleted[index] ?? 0 }]
        })
        if ((await this.#f.writer.write(items, recorded, versions, options)).applied)
          written = new Set(items.map((item) => item.keys))
        return values as readonly unknown[]
      })
      .finally(() => this.#giveBack(part, pending, tokens, written))
    const graced = (position: number) => fulfilled(this.#f.decode((stale[position] as Found).entry))
    let values: readonly unknown[]
    if (stale.every((found) => found !== undefined)) {
      const outcome = await this.#fills.withGrace(loading, stale as Found[], options)
      if (!outcome.loaded) {
        pending.forEach((index, position) => {
          out[index] = graced(position)
        })
        return out
      }
      values = outcome.value
    } else {
      try {
        values = await loading
      } catch (reason) {
        const servable = stale.filter((found) => found !== undefined).length
        if (servable > 0) this.#f.events.stale(isTimeout(reason) ? 'hard-timeout' : 'loader-error', servable)
        pending.forEach((index, position) => {
          out[index] = stale[position] === undefined ? { status: 'rejected', reason } : graced(position)
        })
        return out
      }
    }
    pending.forEach((index, position) => {
      const value = values[position]
      if (!(value instanceof Error)) out[index] = fulfilled(value)
      else if (stale[position] === undefined) out[index] = { status: 'rejected', reason: value }
      else {
        this.#f.events.stale('loader-error')
        out[index] = graced(position)
      }
    })
    return out
  }

  /** Gives back the leases of loaded ids; waiters elsewhere wake on the write's message, or on this one. */
  async #giveBack(
    part: Part,
    pending: readonly number[],
    tokens: readonly (string | undefined)[] | undefined,
    written: ReadonlySet<IdKeys>,
  ): Promise<void> {
    if (tokens === undefined) return
    const leased = pending.filter((index) => tokens[index] !== undefined)
    if (leased.length === 0) return
    await Promise.all(
      leased.map((index) =>
        this.#f.store.releaseLease((part.keys[index] as IdKeys).lease, tokens[index] as string),
      ),
    )
    // The write published the ids it wrote; the others (undefined, an Error, a failed load) need a message.
    const unwritten = leased.map((index) => part.keys[index] as IdKeys).filter((keys) => !written.has(keys))
    if (unwritten.length > 0)
      await this.#f.log.publish({ type: 'keys', keys: unwritten.map((keys) => keys.value) })
  }
}

/** The read of some positions of a batch's read, as if only they had been read. */
function pick(read: ReadResult, positions: readonly number[]): ReadResult {
  return {
    ...read,
    found: positions.map((i) => read.found[i]),
    deleted: positions.map((i) => read.deleted[i] ?? 0),
  }
}

function describeLength(values: unknown): string {
  return Array.isArray(values) ? `${values.length} values` : `a ${typeof values}`
}
