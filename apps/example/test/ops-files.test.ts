import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadAppConfig } from '../src/app-config.js'
import { ALERT_THRESHOLDS } from '../src/monitoring/thresholds.js'
import { alertExpressions, dashboardExpressions, deployPath, repoRoot } from './deploy-files.js'
import { promtool } from './promtool.js'

// The operations files of the repository: Prometheus config and alert rules, the Grafana
// dashboard, docker-compose.yml. promtool checks them; the thresholds are the app's own.

const deploy = deployPath
const scratch = mkdtempSync(join(tmpdir(), 'redlayer-ops-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe('Prometheus', () => {
  it('accepts the alert rules (promtool check rules)', () => {
    const { status, output } = promtool(['check', 'rules', deploy('prometheus/alerts.yml')])
    expect(output).toContain('SUCCESS: 9 rules found')
    expect(status).toBe(0)
  })

  it('fires each alert at its threshold and not below it (promtool test rules)', () => {
    const { status, output } = promtool(['test', 'rules', deploy('prometheus/alerts.test.yml')])
    expect(output).toContain('SUCCESS')
    expect(status).toBe(0)
  })

  it('accepts the scrape config and the rule file it loads (promtool check config)', () => {
    // The config reads the admin token from the compose secret's path: checked here as a copy
    // beside its rule file, with a token file of its own in place of the secret.
    const config = readFileSync(deploy('prometheus/prometheus.yml'), 'utf8')
    expect(config).toContain('credentials_file: /run/secrets/admin-token')
    writeFileSync(join(scratch, 'admin-token'), 'a'.repeat(32))
    writeFileSync(join(scratch, 'alerts.yml'), readFileSync(deploy('prometheus/alerts.yml')))
    const copy = join(scratch, 'prometheus.yml')
    writeFileSync(copy, config.replace('/run/secrets/admin-token', join(scratch, 'admin-token')))
    const { status, output } = promtool(['check', 'config', copy])
    expect(output).toContain('SUCCESS: 1 rule files found')
    expect(status).toBe(0)
  })

  it('alerts at the same thresholds as the app report', () => {
    const alerts = alertExpressions()
    expect(alerts.size).toBe(9)
    const expr = (alert: string) => alerts.get(alert) ?? ''
    expect(expr('RedisMemoryHigh')).toContain(`> ${ALERT_THRESHOLDS.memoryWarning}`)
    expect(expr('RedisMemoryCritical')).toContain(`> ${ALERT_THRESHOLDS.memoryCritical}`)
    expect(expr('RedisErrorRateHigh')).toContain(`> ${ALERT_THRESHOLDS.errorRate}`)
    expect(expr('RedisSlowOperations')).toContain(`> ${ALERT_THRESHOLDS.slowOperationMs / 1000}`)
    expect(expr('RedisConnectionsHigh')).toContain(`> ${ALERT_THRESHOLDS.connectionUse}`)
    expect(expr('CacheHitRatioLow')).toContain(`< ${ALERT_THRESHOLDS.hitRatio}`)
    expect(expr('RedisEvictions')).toContain('> 0')
    expect(expr('RedisBreakerOpen')).toContain('redlayer_breaker_state >= 1')
  })
})

describe('the Grafana dashboard', () => {
  it('is valid JSON whose every query is valid PromQL (checked by promtool as recording rules)', () => {
    const expressions = dashboardExpressions()
    expect(expressions.length).toBeGreaterThan(20)
    const rules = {
      groups: [
        {
          name: 'dashboard',
          rules: expressions.map((expr, i) => ({ record: `dashboard:query_${i}`, expr })),
        },
      ],
    }
    const file = join(scratch, 'dashboard-queries.yml')
    // JSON is YAML: promtool reads it as a rule file.
    writeFileSync(file, JSON.stringify(rules))
    const { status, output } = promtool(['check', 'rules', file])
    expect(output).toContain(`SUCCESS: ${expressions.length} rules found`)
    expect(status).toBe(0)
  })

  it('is provisioned with the Prometheus datasource it queries', () => {
    const dashboard = readFileSync(deploy('grafana/dashboards/redlayer.json'), 'utf8')
    const datasource = readFileSync(deploy('grafana/provisioning/datasources/prometheus.yml'), 'utf8')
    const uid = /uid: (\S+)/.exec(datasource)?.[1]
    expect(uid).toBe('redlayer-prometheus')
    expect(dashboard).toContain(`"uid": "${uid}"`)
    expect(readFileSync(deploy('grafana/provisioning/dashboards/redlayer.yml'), 'utf8')).toContain(
      'path: /var/lib/grafana/dashboards',
    )
  })
})

describe('docker-compose.yml', () => {
  it('mounts only files that exist, and runs the app, Prometheus and Grafana', () => {
    const compose = readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8')
    const mounted = [...compose.matchAll(/\.\/((?:deploy|packages)\/[\w./-]+):/g)].map((m) => m[1] ?? '')
    expect(mounted.length).toBeGreaterThan(5)
    for (const path of mounted) expect(existsSync(join(repoRoot, path)), path).toBe(true)
    expect(existsSync(join(repoRoot, 'deploy/example/Dockerfile'))).toBe(true)
    for (const service of ['example', 'prometheus', 'grafana'])
      expect(compose).toMatch(new RegExp(`^ {2}${service}:$`, 'm'))
  })

  it('opens the admin listener to the network only with its token, which Prometheus scrapes with (ADR-0041)', () => {
    const compose = readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8')
    expect(compose).toMatch(/^ {6}ADMIN_HOST: 0\.0\.0\.0$/m)
    expect(compose).toMatch(/^ {6}ADMIN_TOKEN: \$\{ADMIN_TOKEN:-\}$/m)
    expect(compose).toMatch(/^ {4}secrets: \[admin-token\]$/m)
    expect(compose).toMatch(/^ {2}admin-token:\n {4}environment: ADMIN_TOKEN$/m)
    const config = readFileSync(deploy('prometheus/prometheus.yml'), 'utf8')
    expect(config).toContain('targets: ["example:3001"]')
    // What the app refuses without the token, the compose file cannot start by mistake.
    expect(() => loadAppConfig({ ADMIN_HOST: '0.0.0.0', ADMIN_TOKEN: '' })).toThrow(/ADMIN_TOKEN: required/)
  })
})
