import type { Environment } from './environment.js'
import { type BenchReport, checkAim, checkValue, checkVerdict } from './report.js'

function environmentLines(env: Environment): string[] {
  const versions = Object.entries(env.versions)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ')
  return [
    `- date: ${env.date.slice(0, 16).replace('T', ' ')} UTC`,
    `- machine: ${env.nproc} CPUs (${env.cpu}), ${env.memoryGiB} GiB; load average ${env.loadAtStart.join(' / ')} at the start, ${env.loadAtEnd.join(' / ')} at the end (shared machine)`,
    // Reports written before issue 18's Cluster figure carry no topology: they were standalone.
    `- Node ${env.node}, redis-server ${env.redisServer} (${env.topology ?? 'one testkit server on loopback, no persistence'})`,
    `- ${versions}`,
  ]
}

/** The verdict table of a report (one row per check), for the READMEs. */
export function checksMarkdown(report: BenchReport): string {
  const rows = report.scenarios.flatMap((s) =>
    s.checks.map(
      (c) => `| ${s.name} | ${c.label} | ${checkValue(c)} | ${checkAim(c)} | ${checkVerdict(c)} |`,
    ),
  )
  return [
    ...environmentLines(report.environment),
    '',
    '| scenario | check | value | aim | verdict |',
    '| --- | --- | ---: | --- | --- |',
    ...rows,
  ].join('\n')
}

/** Every measurement of a report, for bench/README.md. */
export function measurementsMarkdown(report: BenchReport): string {
  const rows = report.scenarios.flatMap((s) =>
    s.measurements.map(
      (m) =>
        `| ${s.name} | ${m.contender} | ${m.concurrency} | ${m.ops} | ${Math.round(m.opsPerSec).toLocaleString('en-US')} | ${m.p50Ms.toFixed(3)} | ${m.p99Ms.toFixed(3)} | ${Number.isFinite(m.cpuUsPerOp) ? m.cpuUsPerOp.toFixed(1) : '-'} |`,
    ),
  )
  return [
    '| scenario | contender | concurrency | ops | ops/s | p50 ms | p99 ms | CPU µs/op |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n')
}
