import { afterAll, expect } from 'vitest'

/**
 * Fails the enclosing file (or `describe` block) when a promise rejection went unhandled during
 * its tests: a lost error of the code under test, which no assertion of a test would see.
 */
export function expectNoUnhandledRejections(): void {
  const seen: unknown[] = []
  const listener = (reason: unknown) => seen.push(reason)
  process.on('unhandledRejection', listener)
  afterAll(() => {
    process.off('unhandledRejection', listener)
    expect(seen).toEqual([])
  })
}
