import { checkRedisHealth } from '@redlayer/connection'
import type { Command } from '../command.js'
import { doctorChecks, worstStatus } from '../doctor/checks.js'
import { probeSentinels } from '../doctor/sentinel-probe.js'
import { EXIT } from '../exit-codes.js'
import { formatTable } from '../text-format.js'

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'check the server settings against what the keyspace needs',
  usage: [
    'redlayer doctor [--json]',
    'Checks the role, the eviction policy, maxmemory, persistence, replicas, and the Sentinel quorum or the',
    'cluster state; each check is ok, warn or fail. Exits 1 when any check fails.',
  ].join('\n'),
  options: {},
  async run(context) {
    const redis = await context.redis()
    const [health, sentinels] = await Promise.all([
      checkRedisHealth(redis, { signal: context.signal }),
      context.config.mode === 'sentinel' ? probeSentinels(context.config) : Promise.resolve(undefined),
    ])
    const checks = doctorChecks({
      health,
      namespaces: context.keyspace.namespaces,
      ...(sentinels === undefined ? {} : { sentinels }),
    })
    const status = worstStatus(checks.map((c) => c.status))
    const text = [
      `Redis ${health.mode} at ${health.address} (${health.serverVersion ?? 'version unknown'}): ${status}`,
      formatTable([['CHECK', 'STATUS', 'WHY'], ...checks.map((c) => [c.id, c.status, c.message])]),
    ].join('\n')
    return {
      exitCode: status === 'fail' ? EXIT.failed : EXIT.ok,
      data: {
        status,
        mode: health.mode,
        address: health.address,
        checks,
        ...(sentinels ? { sentinels } : {}),
      },
      text,
    }
  },
}
