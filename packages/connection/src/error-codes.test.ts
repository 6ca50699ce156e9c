import { errorCodesIn } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { CONNECTION_ERROR_CODES } from './error-codes.js'

// Issue 14: every code this package's code names is in the list it exports.
describe('CONNECTION_ERROR_CODES', () => {
  it('lists every code the source throws', () => {
    const listed = new Set<string>([...CONNECTION_ERROR_CODES])
    const unlisted = [...errorCodesIn(new URL('.', import.meta.url).pathname)].filter(
      (code) => !listed.has(code),
    )
    expect(unlisted).toEqual([])
  })
})
