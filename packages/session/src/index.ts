export { SessionStore, createSessionStore } from './session-store.js'
export type { SessionStoreOptions, ResolvedSessionStoreOptions } from './options.js'
export { newSessionId, parseSessionId } from './session-id.js'
export type {
  AppendResult,
  Durability,
  EventSelection,
  Session,
  SessionEvent,
  SessionEventInput,
  SessionPage,
  SessionSummary,
  SessionWithEvents,
  UpdateResult,
} from './types.js'
