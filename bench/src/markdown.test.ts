import { describe, expect, it } from 'vitest'
import { checksMarkdown, measurementsMarkdown } from './markdown.js'
import type { BenchReport } from './report.js'
import { check } from './result.js'

const report: BenchReport = {
  quick: false,
  environment: {
    date: '2026-11-22T03:00:00.000Z',
    nproc: 2,
    cpu: 'Test CPU',
    memoryGiB: 8,
    loadAtStart: [1, 2, 3],
    loadAtEnd: [4, 5, 6],
    node: 'v20.20.2',
    redisServer: '7.0.15',
    topology: 'a test topology',
    versions: { ioredis: '5.9.2' },
  },
  scenarios: [
    {
      name: 'cache-hit',
      title: 'cache hit',
      adrs: ['ADR-0020'],
      measurements: [
        {
          contender: 'redlayer',
          concurrency: 64,
          ops: 10,
          opsPerSec: 12_345.6,
          p50Ms: 1.5,
          p99Ms: 3,
          cpuUsPerOp: 20,
          roundOpsPerSec: [],
        },
      ],
      checks: [check('redlayer / raw', 0.5, 'x', { op: '>=', target: 0.85 }), check('calls', 1, 'calls')],
      facts: {},
      notes: [],
    },
  ],
}

describe('markdown', () => {
  it('renders one row per check with its verdict, and the machine and versions', () => {
    const text = checksMarkdown(report)
    expect(text).toContain('| cache-hit | redlayer / raw | 0.50x | >= 0.85x | MISSED |')
    expect(text).toContain('| cache-hit | calls | 1 calls | - | - |')
    expect(text).toContain('2 CPUs (Test CPU)')
    expect(text).toContain('ioredis 5.9.2')
  })

  it('renders one row per measurement', () => {
    expect(measurementsMarkdown(report)).toContain(
      '| cache-hit | redlayer | 64 | 10 | 12,346 | 1.500 | 3.000 | 20.0 |',
    )
  })
})
