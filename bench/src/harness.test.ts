import { describe, expect, it } from 'vitest'
import { interleave } from './harness.js'

/** Runs `interleave` over `n` contenders that do nothing, and returns which ran in each round. */
async function roundsOf(n: number, rounds: number): Promise<number[][]> {
  const order: number[] = []
  const contenders = Array.from({ length: n }, (_, at) => ({
    name: `c${at}`,
    op: async (_worker: number, index: number) => {
      if (index === 0) order.push(at)
    },
  }))
  await interleave(contenders, { concurrency: 1, opsPerRound: 1, rounds, warmupOps: 0 })
  return Array.from({ length: rounds }, (_, round) => order.slice(round * n, round * n + n))
}

describe('interleave', () => {
  it('runs every contender once per round, first in turn, after a different one from round to round', async () => {
    const rounds = await roundsOf(8, 8)
    for (const round of rounds) expect([...round].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(rounds.map((round) => round[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    // Who ran right before each contender, over the rounds: never always the same one.
    for (let contender = 0; contender < 8; contender++) {
      const before = new Set<number>()
      for (const round of rounds) {
        const at = round.indexOf(contender)
        if (at > 0) before.add(round[at - 1] as number)
      }
      expect(before.size).toBeGreaterThan(1)
    }
  })

  it('alternates two contenders, and steps three by 1 then 2', async () => {
    expect(await roundsOf(2, 2)).toEqual([
      [0, 1],
      [1, 0],
    ])
    expect(await roundsOf(3, 2)).toEqual([
      [0, 1, 2],
      [1, 0, 2],
    ])
  })
})
