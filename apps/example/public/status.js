// The status page's script (an ES module): polls /monitoring/redis and /health and fills the page.
// Plain browser JavaScript, no build step; text goes in through textContent, never as HTML.
// Every 2 s, or `?refresh=<ms>` (at least 500).
import { formatMemory } from './memory-size.js'

const REFRESH_MS = Math.max(500, Number(new URLSearchParams(location.search).get('refresh')) || 2000)

const $ = (id) => document.getElementById(id)

const bytes = (n) => (n === null || n === undefined ? '-' : formatMemory(n))
const percent = (share) => {
  if (share === null || share === undefined) return '-'
  return share > 0 && share < 0.001 ? '< 0.1 %' : `${(share * 100).toFixed(1)} %`
}
const count = (n) => (n === null || n === undefined ? '-' : n.toLocaleString('en-US'))
const ms = (n) => `${n.toFixed(2)} ms`
/** How long ago `iso` was, against the report's clock (`now`), as a person reads it. */
const ago = (iso, now) => {
  const seconds = Math.max(0, Math.round((Date.parse(now) - Date.parse(iso)) / 1000))
  return seconds < 90 ? `${seconds} s ago` : `${Math.round(seconds / 60)} min ago`
}
const clock = (element, iso) => {
  element.textContent = iso ? new Date(iso).toLocaleTimeString() : 'never'
  element.dateTime = iso ?? ''
}

function cell(row, text, number = false) {
  const td = document.createElement('td')
  td.textContent = text
  if (number) td.className = 'number'
  row.append(td)
}

function renderNamespaces(namespaces) {
  const body = $('namespaces')
  body.replaceChildren(
    ...namespaces.map((ns) => {
      const row = document.createElement('tr')
      row.dataset.namespace = ns.namespace
      if (ns.budgetUse !== null && ns.budgetUse > 1) row.className = 'over-budget'
      const name = document.createElement('th')
      name.scope = 'row'
      name.textContent = ns.namespace
      row.append(name)
      cell(row, count(ns.keys), true)
      cell(row, bytes(ns.memoryBytes), true)
      cell(row, bytes(ns.budgetBytes), true)
      cell(row, percent(ns.budgetUse), true)
      cell(row, percent(ns.hitRatio), true)
      cell(row, ns.flushClass)
      cell(row, ns.whenRedisDown)
      return row
    }),
  )
}

function renderAlerts(alerts) {
  const list = $('alerts')
  if (alerts.length === 0) {
    const none = document.createElement('li')
    none.className = 'none'
    none.textContent = 'none'
    list.replaceChildren(none)
    return
  }
  list.replaceChildren(
    ...alerts.map((alert) => {
      const item = document.createElement('li')
      item.dataset.severity = alert.severity
      item.textContent = `${alert.severity}: ${alert.name}: ${alert.message}`
      return item
    }),
  )
}

function renderSlow(recent) {
  if (recent.length === 0) {
    const row = document.createElement('tr')
    const none = document.createElement('td')
    none.colSpan = 4
    none.className = 'none'
    none.textContent = 'none recorded'
    row.append(none)
    $('slow').replaceChildren(row)
    return
  }
  $('slow').replaceChildren(
    ...recent.map((op) => {
      const row = document.createElement('tr')
      cell(row, new Date(op.at).toLocaleTimeString())
      cell(row, op.operation)
      cell(row, op.durationMs.toFixed(1), true)
      cell(row, op.outcome ?? '-')
      return row
    }),
  )
}

function render(report, health) {
  $('health').textContent = health.status
  $('health').dataset.status = health.status
  $('mode').textContent = report.redis.mode
  // Which server the app talks to, and as what: what changes at a Sentinel failover.
  $('address').textContent = health.redis.address ?? 'unavailable'
  $('role').textContent = health.redis.role ?? 'unknown'
  $('health-checked').textContent = ago(health.checkedAt, report.generatedAt)
  $('health-checked').dateTime = health.checkedAt
  $('breaker').textContent = report.redis.breaker
  $('breaker').dataset.state = report.redis.breaker
  clock($('updated'), report.generatedAt)
  $('hit-ratio').textContent = percent(report.cache.hitRatio)
  $('rejections').textContent = count(report.rateLimit.rejected)
  $('admitted').textContent = count(report.rateLimit.allowed)
  const latency = report.operations.latencyMs
  $('latency').textContent = latency ? `${ms(latency.p50)} / ${ms(latency.p95)} / ${ms(latency.p99)}` : '-'
  $('error-rate').textContent = percent(report.operations.errorRate)
  $('operations').textContent =
    `${count(report.operations.operations)} of ${count(report.operations.capacity)}`
  $('slow-total').textContent =
    `${count(report.operations.slow.total)} (≥ ${report.operations.slow.thresholdMs} ms)`
  const server = report.server
  $('memory').textContent = server
    ? `${bytes(server.usedMemoryBytes)}${server.maxmemoryBytes > 0 ? ` of ${bytes(server.maxmemoryBytes)} (${percent(server.memoryUse)})` : ', no limit'}`
    : 'unavailable'
  $('clients').textContent = server
    ? `${count(server.connectedClients)} of ${count(server.maxClients)}`
    : 'unavailable'
  $('evictions').textContent = server ? count(server.recentEvictions) : 'unavailable'
  renderNamespaces(report.keyspace.namespaces)
  clock($('audit-time'), report.keyspace.takenAt)
  const audit = $('audit-age')
  audit.dataset.stale = String(report.keyspace.stale === true)
  audit.textContent = report.keyspace.takenAt
    ? `(${ago(report.keyspace.takenAt, report.generatedAt)}${report.keyspace.stale ? ', stale: Redis is unavailable, a newer audit could not be taken' : ''})`
    : ''
  renderAlerts(report.alerts)
  renderSlow(report.operations.slow.recent)
}

async function refresh() {
  try {
    const [report, health] = await Promise.all(
      ['/monitoring/redis', '/health'].map(async (url) => {
        const response = await fetch(url, { cache: 'no-store' })
        if (!response.ok && response.status !== 503) throw new Error(`${url}: HTTP ${response.status}`)
        return response.json()
      }),
    )
    render(report, health)
    $('refresh-error').hidden = true
  } catch (error) {
    $('refresh-error').textContent = `refresh failed: ${error.message}`
    $('refresh-error').hidden = false
  } finally {
    setTimeout(refresh, REFRESH_MS)
  }
}

refresh()
