import { describe, expect, it } from 'vitest'
import { DEGRADATION_MODES, isDegradationMode } from './degradation.js'

describe('DEGRADATION_MODES', () => {
  it('is the list of CONTRACTS.md, in order', () => {
    expect(DEGRADATION_MODES).toEqual(['bypass', 'serve-stale', 'fail-open', 'fail-closed', 'local-fallback'])
  })
  it('isDegradationMode accepts exactly those', () => {
    expect(DEGRADATION_MODES.every(isDegradationMode)).toBe(true)
    expect(isDegradationMode('fail-soft')).toBe(false)
    expect(isDegradationMode(undefined)).toBe(false)
  })
})
