import { GUARD_ERROR_CODES } from '@redlayer/resilience'
import { errorCodesIn } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { SESSION_ERROR_CODES } from './errors.js'

// Issue 14: every code this package's code names is in the list it exports (beside the guard's codes it passes on).
describe('SESSION_ERROR_CODES', () => {
  it('lists every code the source throws', () => {
    const listed = new Set<string>([...SESSION_ERROR_CODES, ...GUARD_ERROR_CODES])
    const unlisted = [...errorCodesIn(new URL('.', import.meta.url).pathname)].filter(
      (code) => !listed.has(code),
    )
    expect(unlisted).toEqual([])
  })
})
