import { parseDuration } from '@redlayer/connection'
import { adrTable } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { GUARD_DEFAULTS } from './guard-options.js'

// ADR-0013's threshold table explains the guard's defaults; GUARD_DEFAULTS applies them.
describe('ADR-0013 threshold table', () => {
  it('states every default of GUARD_DEFAULTS (counts as numbers, durations in ms)', () => {
    const table = Object.fromEntries(
      adrTable('0013', ['option', 'default', 'why']).map((row) => {
        const cell = row.default ?? ''
        return [row.option, /^\d+(\.\d+)?$/.test(cell) ? Number(cell) : parseDuration(cell)]
      }),
    )
    expect(table).toEqual({
      volumeThreshold: GUARD_DEFAULTS.volumeThreshold,
      errorThresholdPercentage: GUARD_DEFAULTS.errorThresholdPercentage,
      consecutiveFailures: GUARD_DEFAULTS.consecutiveFailures,
      rollingCountTimeout: GUARD_DEFAULTS.rollingCountTimeoutMs,
      resetTimeout: GUARD_DEFAULTS.resetTimeoutMs,
      commandTimeout: GUARD_DEFAULTS.minCommandTimeoutMs,
    })
  })
})
