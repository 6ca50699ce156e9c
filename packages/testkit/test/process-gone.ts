import { expect } from 'vitest'

/** Asserts that no process with these pids exists any more (signal 0 probes without killing). */
export function expectGone(pids: readonly (number | undefined)[]): void {
  expect(pids.every((pid) => pid !== undefined)).toBe(true)
  for (const pid of pids) {
    expect(() => process.kill(pid as number, 0), `process ${pid} still exists`).toThrow()
  }
}
