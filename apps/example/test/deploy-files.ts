import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))
export const deployPath = (path: string) => join(repoRoot, 'deploy', path)

interface Dashboard {
  panels: { targets?: { expr: string }[] }[]
}

/** Every PromQL expression of the Grafana dashboard's panels. */
export function dashboardExpressions(): string[] {
  const dashboard = JSON.parse(
    readFileSync(deployPath('grafana/dashboards/redlayer.json'), 'utf8'),
  ) as Dashboard
  return dashboard.panels.flatMap((panel) => panel.targets?.map((t) => t.expr) ?? [])
}

/** Each alert rule's expression, by alert name (deploy/prometheus/alerts.yml). */
export function alertExpressions(): Map<string, string> {
  const rules = readFileSync(deployPath('prometheus/alerts.yml'), 'utf8')
  const found = rules.matchAll(
    /- alert: (\w+)\n(?:\s+#.*\n)*\s+expr: (?:>-\n)?([\s\S]*?)\n\s+(?:for|labels):/g,
  )
  return new Map([...found].map((m) => [m[1] ?? '', (m[2] ?? '').replace(/\s+/g, ' ').trim()]))
}

/** The metric names a PromQL expression reads (identifiers followed by `{`, `[` or a space/paren). */
export function metricNames(expression: string): string[] {
  return [...expression.matchAll(/\b(redlayer_[a-z_]+)\b/g)].map((m) => m[1] ?? '')
}
