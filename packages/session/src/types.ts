/** A session's metadata, as listed and as part of every read. Times are Redis server time. */
export interface SessionSummary {
  readonly id: string
  readonly appName: string
  readonly userId: string
  /** Bumped by every append and state update; the token of optimistic concurrency. */
  readonly version: number
  readonly createdAt: Date
  readonly updatedAt: Date
  /** The absolute cap: the session ends then at the latest, however active it is. */
  readonly expiresAt: Date
  /** Events appended over the session's life (the list may hold fewer when `maxEvents` trims). */
  readonly eventCount: number
}

/** A session as the store returns it. */
export interface Session<State extends Record<string, unknown> = Record<string, unknown>>
  extends SessionSummary {
  readonly state: State
}

export interface SessionEventInput {
  /** An idempotency key: appending an event whose id was already appended changes nothing. */
  readonly id?: string
  readonly type: string
  readonly data?: unknown
}

export interface SessionEvent {
  /** The session version this event produced; strictly increasing within a session. */
  readonly seq: number
  readonly at: Date
  readonly id: string
  readonly type: string
  readonly data?: unknown
}

/** Which events `get` returns with the session. */
export type EventSelection =
  | 'none'
  | 'all'
  | { readonly last: number }
  | { readonly offset: number; readonly limit: number }

export interface SessionWithEvents<State extends Record<string, unknown> = Record<string, unknown>>
  extends Session<State> {
  readonly events: readonly SessionEvent[]
}

/** Replicas that acknowledged a write (WAIT), when the store was asked for durability. */
export interface Durability {
  readonly replicasRequested: number
  readonly replicasAcknowledged: number
  readonly durable: boolean
}

export type AppendResult =
  | {
      readonly status: 'appended'
      readonly version: number
      readonly seq: number
      readonly at: Date
      readonly durability?: Durability
    }
  | { readonly status: 'duplicate'; readonly version: number }
  | { readonly status: 'conflict'; readonly currentVersion: number }
  | { readonly status: 'not-found' }

export type UpdateResult =
  | {
      readonly status: 'updated'
      readonly version: number
      readonly at: Date
      readonly durability?: Durability
    }
  | { readonly status: 'conflict'; readonly currentVersion: number }
  | { readonly status: 'not-found' }

export interface SessionPage {
  readonly sessions: readonly SessionSummary[]
  /** Pass back to get the next page; absent on the last page. */
  readonly cursor?: string
}
