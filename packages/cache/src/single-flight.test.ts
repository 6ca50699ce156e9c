import { describe, expect, it } from 'vitest'
import { SingleFlight } from './single-flight.js'

describe('SingleFlight', () => {
  it('shares one call among concurrent callers of a key, and forgets it once settled', async () => {
    const flights = new SingleFlight<number>()
    let calls = 0
    let release: (value: number) => void = () => {}
    const fn = () => {
      calls++
      return new Promise<number>((resolve) => {
        release = resolve
      })
    }
    const all = Promise.all(Array.from({ length: 50 }, () => flights.run('k', fn)))
    expect(flights.has('k')).toBe(true)
    release(7)
    expect(await all).toEqual(Array(50).fill(7))
    expect(calls).toBe(1)
    expect(flights.has('k')).toBe(false)
    await flights.run('k', async () => 8)
    expect(calls).toBe(1)
  })

  it('shares a failure too, then lets the next call retry', async () => {
    const flights = new SingleFlight<number>()
    const failing = () => Promise.reject(new Error('boom'))
    const results = await Promise.allSettled([flights.run('k', failing), flights.run('k', failing)])
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected'])
    expect(await flights.run('k', async () => 1)).toBe(1)
  })
})
