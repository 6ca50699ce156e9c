export { SESSION_ERROR_CODES, type SessionErrorCode } from './errors.js'
export type { ResolvedSessionStoreOptions, SessionStoreOptions } from './options.js'
export { newSessionId, parseSessionId } from './session-id.js'
export { createSessionStore, SessionStore } from './session-store.js'
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
