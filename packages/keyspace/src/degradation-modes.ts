// Temporary until @redlayer/connection exports DEGRADATION_MODES (CONTRACTS.md); then imported from there.
export const DEGRADATION_MODES = [
  'bypass',
  'serve-stale',
  'fail-open',
  'fail-closed',
  'local-fallback',
] as const
export type DegradationMode = (typeof DEGRADATION_MODES)[number]
