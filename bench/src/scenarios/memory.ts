import { setTimeout as sleep } from 'node:timers/promises'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { BenchContext } from '../bench-context.js'
import { runBatch } from '../harness.js'
import { ENTITY, redlayerCache } from '../peers/caches.js'
import { check } from '../result.js'
import { type Scenario, STANDALONE_ONLY } from '../scenario.js'
import { Sample } from '../stats.js'

const MIB = 1024 * 1024
const L1 = { maxEntries: 100_000, maxBytes: 4 * MIB }
const KEYS = 50_000

function collector(): () => void {
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}

/**
 * Growth of heap + array buffers (where Buffers keep their bytes, so payloads count too) over
 * `ops` getOrSet calls spread over more keys than any L1 holds, after two full collections.
 */
async function growth(
  ctx: BenchContext,
  gc: () => void,
  name: string,
  ops: number,
  l1: typeof L1 | undefined,
  sample?: Sample,
) {
  const { cache } = await redlayerCache(ctx, name, l1 === undefined ? {} : { l1 })
  // Array buffers are freed by a background sweeper after a collection: let it finish.
  const settled = async () => {
    gc()
    await sleep(200)
    gc()
    await sleep(200)
    const { heapUsed, arrayBuffers } = process.memoryUsage()
    return { heap: heapUsed, arrayBuffers }
  }
  const before = await settled()
  const contender = {
    name,
    op: (_w: number, i: number) =>
      cache.getOrSet(['item', (i * 7919) % KEYS], () => ({ ...ENTITY, id: i % KEYS })),
  }
  await runBatch(contender, 64, ops, sample)
  const after = await settled()
  return {
    heap: after.heap - before.heap,
    arrayBuffers: after.arrayBuffers - before.arrayBuffers,
    total: after.heap + after.arrayBuffers - before.heap - before.arrayBuffers,
    stats: cache.stats,
  }
}

const mib = (bytes: number) => Math.round((bytes / MIB) * 100) / 100

/**
 * ADR-0020: the in-process tier is bounded. What a long run with L1 grows by, less what the same
 * run grows by without L1 (compiled code, client buffers, metric children), must stay within the
 * configured bound.
 */
export const memory: Scenario = {
  name: 'memory',
  title: `memory: growth over many getOrSet with L1 (${KEYS.toLocaleString('en-US')} keys, bound ${L1.maxBytes / MIB} MiB)`,
  adrs: ['ADR-0020'],
  topologies: STANDALONE_ONLY,
  async run(ctx) {
    const gc = collector()
    const ops = ctx.count(1_000_000, 2_000)
    // Warm the code paths first, so that neither measured run pays for compiling them.
    await growth(ctx, gc, 'warm-up', ctx.count(50_000, 500), L1)
    const baseline = await growth(ctx, gc, 'no L1', ctx.count(250_000, 1_000), undefined)
    // Sized up front: its 8 bytes per operation must not count as growth.
    const sample = new Sample(ops)
    const withL1 = await growth(ctx, gc, 'redlayer L1', ops, L1, sample)
    const l1Growth = withL1.total - baseline.total
    return {
      measurements: [{ contender: 'redlayer L1', concurrency: 64, ...sample.summary() }],
      checks: [
        check(
          `growth with L1 - growth without, after ${ops.toLocaleString('en-US')} getOrSet (bound ${L1.maxBytes / MIB} MiB)`,
          mib(l1Growth),
          'MiB',
          { op: '<=', target: L1.maxBytes / MIB },
        ),
      ],
      facts: {
        'with L1: heap growth (MiB)': mib(withL1.heap),
        'with L1: array buffers growth (MiB)': mib(withL1.arrayBuffers),
        'without L1: heap + array buffers growth (MiB)': mib(baseline.total),
        'L1 entries at the end': withL1.stats.l1Entries,
        'L1 bytes at the end, as the L1 counts them (MiB)': mib(withL1.stats.l1Bytes),
      },
      notes: ['memory is measured after two full garbage collections, before and after each run'],
    }
  },
}
