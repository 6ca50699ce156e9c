// Durations are the connection package's (one form for every package, ADR-0003); re-exported here.
export { type Duration, durationSchema, formatDuration, parseDuration } from '@redlayer/connection'
export { type AuditOptions, auditKeyspace, type KeyspaceAudit, type NamespaceAudit } from './audit.js'
export { formatByteSize, parseByteSize } from './byte-size.js'
export {
  FLUSH_CLASSES,
  type FlushClass,
  type KeyspaceDefinition,
  NAMESPACE_KIND_DEFAULTS,
  NAMESPACE_KINDS,
  type NamespaceDefinition,
  type NamespaceKind,
  PARTS_MARKER,
  type ResolvedNamespace,
  type ResolvedTtlPolicy,
  TTL_MODES,
  type TtlMode,
  type TtlPolicy,
} from './definition.js'
export { KEYSPACE_ERROR_CODES, type KeyspaceErrorCode } from './errors.js'
export { evictionRisk, type GuaranteeRisk } from './eviction-risk.js'
export {
  type FlushAuditRecord,
  type FlushNodeResult,
  type FlushOptions,
  type FlushProgress,
  type FlushResult,
  flushNamespace,
  type KeyspaceLogger,
} from './flush.js'
export { escapeGlob } from './glob.js'
export { defineKeyspace, type KeyFamily, Keyspace } from './keyspace.js'
export {
  DEFAULT_MAX_PART_LENGTH,
  decodePart,
  encodePart,
  isEncodedPart,
  isHashedPart,
  type KeyPart,
} from './part-encoding.js'
export { type Persistence, persistenceRisk } from './persistence-risk.js'
