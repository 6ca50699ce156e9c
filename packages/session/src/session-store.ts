import { type RedisClient, RedlayerError } from '@redlayer/connection'
import { redlayerChannels, type SessionWriteMessage } from '@redlayer/connection/diagnostics'
import { parseOrThrow, randomToken } from '@redlayer/connection/internal'
import type { Keyspace } from '@redlayer/keyspace'
import { type RedisGuard, sharedRedisGuard } from '@redlayer/resilience'
import { z } from 'zod'
import { eventOf, fieldsOf, serialize, stateOf, statePairs, summaryOf } from './codec.js'
import { decodeCursor, encodeCursor } from './listing-cursor.js'
import {
  ownerSecretsOf,
  type ResolvedSessionStoreOptions,
  resolveSessionStoreOptions,
  type SessionStoreOptions,
} from './options.js'
import { collectOwnerSessions, revokeOwnerSessions } from './owner-listing.js'
import { waitForReplicas } from './replicas.js'
import { type SessionScripts, sessionScripts } from './scripts.js'
import { newSessionId, ownerHashes, parseSessionId } from './session-id.js'
import { ownerIndexKey, sessionKeys } from './session-keys.js'
import type {
  AppendResult,
  Durability,
  EventSelection,
  Session,
  SessionEventInput,
  SessionPage,
  SessionSummary,
  SessionWithEvents,
  UpdateResult,
} from './types.js'

const ownerSchema = z.object({
  appName: z.string().min(1).max(256),
  userId: z.string().min(1).max(256),
})
const eventSchema = z.object({
  id: z.string().min(1).max(256).optional(),
  type: z.string().min(1).max(256),
  data: z.unknown().optional(),
})
const versionSchema = z.number().int().nonnegative().optional()
const selectionSchema = z.union([
  z.enum(['none', 'all']),
  z.object({ last: z.number().int().positive() }).strict(),
  z.object({ offset: z.number().int().nonnegative(), limit: z.number().int().positive() }).strict(),
])
const listSchema = ownerSchema.extend({
  limit: z.number().int().min(1).max(1000).default(20),
  cursor: z.string().max(512).optional(),
})

const valid = <S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> =>
  parseOrThrow(schema, value, what, 'E_INVALID_ARGUMENT')

type Reply = [status: string, a?: number, b?: number]

/**
 * Sessions in Redis (ADR-0033): a meta hash, a state hash and an event list per session, all in
 * one slot with the owner's index. Every write is one script; an append costs the same whatever
 * the number of events already stored. Fails closed while Redis is down (ADR-0013).
 */
export class SessionStore<N extends string = string> {
  readonly #redis: RedisClient
  readonly #keyspace: Keyspace<N>
  readonly #namespace: N
  readonly #guard: RedisGuard
  readonly #options: ResolvedSessionStoreOptions
  readonly #scripts: SessionScripts
  readonly #ownerSecrets: readonly string[]

  #closed = false

  constructor(options: SessionStoreOptions<N>) {
    this.#options = resolveSessionStoreOptions(options)
    this.#redis = options.redis
    this.#keyspace = options.keyspace
    this.#namespace = options.namespace
    this.#guard = options.guard ?? sharedRedisGuard(options.redis)
    this.#scripts = sessionScripts(options.redis)
    this.#ownerSecrets = ownerSecretsOf(options)
  }

  /**
   * Ends the store's use: later calls throw `E_SESSION_STORE_CLOSED`. It holds no connection,
   * timer or subscriber of its own (the client and the shared guard are the app's), so nothing
   * else is released. Calls already running finish.
   */
  async close(): Promise<void> {
    this.#closed = true
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  #assertOpen(): void {
    if (this.#closed) throw new RedlayerError('E_SESSION_STORE_CLOSED', 'the session store was closed')
  }

  /** ADR-0005: one `redlayer:session.write` per script call, with its status. */
  #published(operation: SessionWriteMessage['operation'], status: string, durationMs?: number): void {
    if (!redlayerChannels.sessionWrite.hasSubscribers) return
    redlayerChannels.sessionWrite.publish({
      namespace: this.#namespace,
      operation,
      status,
      ...(durationMs !== undefined && { durationMs }),
    })
  }

  get options(): ResolvedSessionStoreOptions {
    return this.#options
  }

  async create<State extends Record<string, unknown>>(input: {
    appName: string
    userId: string
    state?: State
  }): Promise<Session<State>> {
    this.#assertOpen()
    const owner = valid(ownerSchema, input, 'session owner')
    const state = (input.state ?? {}) as State
    const pairs = statePairs(Object.entries(state), this.#options)
    const id = parseSessionId(newSessionId(owner.appName, owner.userId, this.#ownerSecrets[0]))
    const { idleTtlMs, absoluteTtlMs } = this.#options
    const [status, createdAt] = (await this.#guard.run('session.create', () =>
      this.#scripts.create(this.#keys(id), [
        id.id,
        owner.appName,
        owner.userId,
        idleTtlMs,
        absoluteTtlMs,
        ...pairs,
      ]),
    )) as Reply
    // 144 random bits: a collision means the random source is broken, not bad luck.
    if (status !== 'created' || createdAt === undefined) {
      throw new RedlayerError('E_SESSION_ID_COLLISION', 'A freshly generated session id already exists.')
    }
    this.#published('create', status)
    const at = new Date(createdAt)
    return {
      id: id.id,
      ...owner,
      version: 0,
      createdAt: at,
      updatedAt: at,
      expiresAt: new Date(createdAt + absoluteTtlMs),
      eventCount: 0,
      state,
    }
  }

  /** The session, or `null` when it does not exist or has expired. Reading does not slide its TTL. */
  async get<State extends Record<string, unknown> = Record<string, unknown>>(
    sessionId: string,
    options: { events?: EventSelection } = {},
  ): Promise<SessionWithEvents<State> | null> {
    this.#assertOpen()
    const id = parseSessionId(sessionId)
    const selection = valid(selectionSchema, options.events ?? 'none', 'event selection')
    const [first, last] =
      selection === 'none'
        ? ['0', '']
        : selection === 'all'
          ? ['0', '-1']
          : 'last' in selection
            ? [String(-selection.last), '-1']
            : [String(selection.offset), String(selection.offset + selection.limit - 1)]
    const reply = (await this.#guard.run('session.get', () =>
      this.#scripts.read(this.#keys(id), [id.id, first, last]),
    )) as [string[], string[], string[], number] | null
    if (!reply) return null
    const [meta, state, events] = reply
    return {
      ...summaryOf(id.id, fieldsOf(meta)),
      state: stateOf(state) as State,
      events: events.map(eventOf),
    }
  }

  /**
   * Appends one event in one script: checks `expectedVersion` when given, skips an event id
   * already appended within the idempotency window (a retry), trims to `maxEvents`, bumps the version, updates the
   * owner's index and slides every TTL. A conflict is a result, never a retry of our own.
   */
  async appendEvent(
    sessionId: string,
    event: SessionEventInput,
    options: { expectedVersion?: number } = {},
  ): Promise<AppendResult> {
    this.#assertOpen()
    const id = parseSessionId(sessionId)
    const input = valid(eventSchema, event, 'event')
    const expectedVersion = valid(versionSchema, options.expectedVersion, 'expectedVersion')
    const eventId = input.id ?? randomToken('base64url')
    const json = serialize(
      'event',
      { id: eventId, type: input.type, data: input.data },
      this.#options.maxValueBytes,
    )
    const keys = this.#keys(id)
    const started = performance.now()
    const [status, version, at] = (await this.#guard.run('session.append', () =>
      this.#scripts.append(keys, [
        id.id,
        eventId,
        json,
        expectedVersion ?? '',
        this.#options.maxEvents,
        this.#options.idleTtlMs,
        this.#options.idempotencyWindow,
      ]),
    )) as Reply
    this.#published('append', status, performance.now() - started)
    switch (status) {
      case 'appended': {
        const durability = await this.#durability(keys[0])
        return {
          status,
          version: Number(version),
          seq: Number(version),
          at: new Date(Number(at)),
          ...(durability && { durability }),
        }
      }
      case 'duplicate':
        return { status, version: Number(version) }
      case 'conflict':
        return { status, currentVersion: Number(version) }
      default:
        return { status: 'not-found' }
    }
  }

  /**
   * Merges `patch` into the session state (top-level fields; a field set to `undefined` is
   * removed) and bumps the version, in one script.
   */
  async updateState(
    sessionId: string,
    patch: Record<string, unknown>,
    options: { expectedVersion?: number } = {},
  ): Promise<UpdateResult> {
    this.#assertOpen()
    const id = parseSessionId(sessionId)
    const expectedVersion = valid(versionSchema, options.expectedVersion, 'expectedVersion')
    const entries = Object.entries(
      valid(z.record(z.string().min(1).max(256), z.unknown()), patch, 'state patch'),
    )
    const set = statePairs(
      entries.filter(([, value]) => value !== undefined),
      this.#options,
    )
    const removed = entries.filter(([, value]) => value === undefined).map(([field]) => field)
    const keys = this.#keys(id)
    const [status, version, at] = (await this.#guard.run('session.update', () =>
      this.#scripts.update(keys, [
        id.id,
        expectedVersion ?? '',
        this.#options.idleTtlMs,
        set.length / 2,
        ...set,
        ...removed,
      ]),
    )) as Reply
    this.#published('update', status)
    switch (status) {
      case 'updated': {
        const durability = await this.#durability(keys[0])
        return {
          status,
          version: Number(version),
          at: new Date(Number(at)),
          ...(durability && { durability }),
        }
      }
      case 'conflict':
        return { status, currentVersion: Number(version) }
      default:
        return { status: 'not-found' }
    }
  }

  /** Slides the idle deadline (never past the absolute cap). False when the session is gone. */
  async touch(sessionId: string): Promise<boolean> {
    this.#assertOpen()
    const id = parseSessionId(sessionId)
    const [status] = (await this.#guard.run('session.touch', () =>
      this.#scripts.touch(this.#keys(id), [id.id, this.#options.idleTtlMs]),
    )) as Reply
    return status === 'touched'
  }

  /** Deletes every key of the session and its index entry. False when it did not exist. */
  async delete(sessionId: string): Promise<boolean> {
    this.#assertOpen()
    const id = parseSessionId(sessionId)
    const existed = await this.#guard.run('session.delete', () =>
      this.#scripts.delete(this.#keys(id), [id.id]),
    )
    return existed === 1
  }

  /**
   * The owner's sessions, most recently updated first, a page at a time. Entries whose session
   * has expired are dropped from the index as they are met. After an owner-secret rotation, the
   * sessions named under the current secret come first, then those under each older one.
   */
  async listSessions(query: {
    appName: string
    userId: string
    limit?: number
    cursor?: string
  }): Promise<SessionPage> {
    this.#assertOpen()
    const { appName, userId, limit, cursor } = valid(listSchema, query, 'session listing')
    const owners = ownerHashes(appName, userId, this.#ownerSecrets)
    const after = cursor === undefined ? undefined : decodeCursor(cursor)
    // The cursor's session id carries its owner hash: the index the listing goes on in.
    const first = after === undefined ? 0 : owners.indexOf(parseSessionId(after.member).owner)
    if (first < 0) throw new RedlayerError('E_INVALID_ARGUMENT', 'Invalid session listing cursor.')
    return this.#guard.run('session.list', async () => {
      const sessions: SessionSummary[] = []
      for (let i = first; i < owners.length && sessions.length <= limit; i++) {
        const index = ownerIndexKey(this.#keyspace, this.#namespace, owners[i] as string)
        await collectOwnerSessions(this.#redis, this.#sessionKeyOf, {
          index,
          owner: { appName, userId },
          after: i === first ? after : undefined,
          sessions,
          limit,
        })
      }
      if (sessions.length <= limit) return { sessions }
      const page = sessions.slice(0, limit)
      const last = page[page.length - 1] as SessionSummary
      return { sessions: page, cursor: encodeCursor({ score: last.updatedAt.getTime(), member: last.id }) }
    })
  }

  /**
   * Ends every session of an owner (a password change, a compromised account), under every owner
   * secret of the store. Each owner index is read, then its sessions end in one script call on its
   * slot, atomically (ADR-0033; in calls of 250 sessions beyond that: `revokeOwnerSessions`). A session created while
   * this runs is kept: the login that made it came after. Resolves to how many sessions ended.
   */
  async revokeAll(owner: { appName: string; userId: string }): Promise<number> {
    this.#assertOpen()
    const { appName, userId } = valid(ownerSchema, owner, 'session owner')
    let ended = 0
    for (const hash of ownerHashes(appName, userId, this.#ownerSecrets)) {
      const index = ownerIndexKey(this.#keyspace, this.#namespace, hash)
      ended += await this.#guard.run('session.revoke-all', () =>
        revokeOwnerSessions(this.#redis, this.#scripts.revokeOwner, index, (member) =>
          this.#keys(parseSessionId(member)).slice(0, 4),
        ),
      )
    }
    return ended
  }

  /**
   * Whether the session id names a session of this owner: its owner hash is the owner's under one
   * of the store's owner secrets (ADR-0033). Decided from the id alone, without a round trip; a
   * string that is not a session id is `E_INVALID_SESSION_ID`, as for every other method. With an
   * owner secret, no one can make an id that passes for another owner's.
   */
  isOwnedBy(sessionId: string, owner: { appName: string; userId: string }): boolean {
    const { appName, userId } = valid(ownerSchema, owner, 'session owner')
    const hash = parseSessionId(sessionId).owner
    return ownerHashes(appName, userId, this.#ownerSecrets).includes(hash)
  }

  readonly #sessionKeyOf = (member: string): string => this.#keys(parseSessionId(member))[0]

  #keys(id: ReturnType<typeof parseSessionId>) {
    return sessionKeys(this.#keyspace, this.#namespace, id)
  }

  async #durability(key: string): Promise<Durability | undefined> {
    const wanted = this.#options.durability
    if (!wanted) return undefined
    return this.#guard.run('session.wait', () =>
      waitForReplicas(this.#redis, key, wanted.replicas, wanted.timeoutMs),
    )
  }
}

export function createSessionStore<N extends string>(options: SessionStoreOptions<N>): SessionStore<N> {
  return new SessionStore(options)
}
