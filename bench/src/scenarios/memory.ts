import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { runBatch } from '../harness.js'
import { ENTITY, redlayerCache } from '../peers/caches.js'
import { check } from '../result.js'
import type { Scenario } from '../scenario.js'
import { Sample } from '../stats.js'

const MIB = 1024 * 1024
const L1 = { maxEntries: 100_000, maxBytes: 4 * MIB }
const KEYS = 50_000

function collector(): () => void {
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}

function settledHeap(gc: () => void): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

/** ADR-0020: the in-process tier is bounded; a long run with more keys than it holds must not grow the heap past it. */
export const memory: Scenario = {
  name: 'memory',
  title: `memory: heap after many getOrSet with L1 (${KEYS.toLocaleString('en-US')} keys, L1 bound ${L1.maxBytes / MIB} MiB)`,
  adrs: ['ADR-0020'],
  async run(ctx) {
    const gc = collector()
    const { cache } = await redlayerCache(ctx, 'redlayer', { l1: L1 })
    const ops = ctx.count(1_000_000, 2_000)
    const before = settledHeap(gc)
    const sample = new Sample()
    const contender = {
      name: 'redlayer L1',
      op: (_w: number, i: number) =>
        cache.getOrSet(['item', (i * 7919) % KEYS], () => ({ ...ENTITY, id: i % KEYS })),
    }
    await runBatch(contender, 64, ops, sample)
    const after = settledHeap(gc)
    const growthMiB = (after - before) / MIB
    const { l1Entries, l1Bytes } = cache.stats
    return {
      measurements: [{ contender: contender.name, concurrency: 64, ...sample.summary() }],
      checks: [
        check(
          `heap growth after ${ops.toLocaleString('en-US')} getOrSet (L1 bound ${L1.maxBytes / MIB} MiB)`,
          growthMiB,
          'MiB',
          {
            op: '<=',
            target: L1.maxBytes / MIB,
          },
        ),
      ],
      facts: {
        'heap before (MiB)': Math.round((before / MIB) * 10) / 10,
        'heap after (MiB)': Math.round((after / MIB) * 10) / 10,
        'L1 entries at the end': l1Entries,
        'L1 bytes at the end (MiB)': Math.round((l1Bytes / MIB) * 100) / 100,
      },
      notes: ['the heap is measured after two full garbage collections, before and after the run'],
    }
  },
}
