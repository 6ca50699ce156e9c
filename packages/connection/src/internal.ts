// ADR-0004: what the redlayer packages share and a user does not call: validation helpers, INFO
// parsing, the connection's own command timeout, the pooled random tokens, the one way to run a Lua script, the one
// batching of a tick's script calls, the one split of keys by Cluster slot. Published as `@redlayer/connection/internal`,
// outside the public API (no compatibility promise between versions; the packages pin each other).
export { commandTimeoutOf } from './create-redis.js'
export { hasMethods } from './has-methods.js'
export { infoInteger, parseInfo } from './info.js'
export { LuaScript, type ScriptArg } from './lua-script.js'
export { randomToken, TOKEN_BYTES } from './random-token.js'
export { settleWithin } from './settle-within.js'
export { CHUNK, groupKeys, isCluster, oneCommand } from './slot-groups.js'
export { batchedScript, MAX_BATCH_CALLS, type SharedRun } from './tick-batch.js'
export { invalidInput, parseOrThrow, zodProblems } from './validation.js'
