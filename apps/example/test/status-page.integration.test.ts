import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exampleKeyspace } from '../src/keyspace.js'
import { type AppFixture, startAppFixture } from './app-fixture.js'

// The status page as a person sees it, in headless Chromium (Debian's `chromium`, which
// `npm test` installs when run as root), against the app's admin listener on a loopback port.

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

let fixture: AppFixture
let context: BrowserContext
let page: Page
let base: string
let apiBase: string
let profile: string

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium; npm test does it as root) or set CHROMIUM_PATH`,
    )
  }
  fixture = await startAppFixture({
    // The page is under test, not an outage: a command timeout with room on a busy machine (the
    // fixture's 200 ms opened the breaker once in a full fresh-clone run, at one timed-out call).
    commandTimeoutMs: 2_000,
    breaker: { volumeThreshold: 5 },
    rateLimits: { name: 'burst', capacity: 2, refill: { tokens: 1, interval: '30s' } },
    auditMaxAgeMs: 0,
  })
  // The page is on the admin listener; the API on its own (ADR-0041).
  base = await fixture.admin.listen({ port: 0, host: '127.0.0.1' })
  apiBase = await fixture.app.listen({ port: 0, host: '127.0.0.1' })
  // Some keys in every data namespace the page lists, each from an address of its own (the limit
  // of anonymous requests is per address).
  for (const id of [1, 2, 3]) await fetchFrom(`10.0.0.${id}`, `/api/entities/${id}`)
  profile = mkdtempSync(join(tmpdir(), 'redlayer-chromium-'))
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
  })
  page = await context.newPage()
}, 60_000)

afterAll(async () => {
  await context?.close()
  if (fixture?.server.paused) fixture.server.resume()
  await fixture?.[Symbol.asyncDispose]()
  if (profile) rmSync(profile, { recursive: true, force: true })
})

/** A request of an anonymous client at `address` (in process: a loopback socket has one address). */
const fetchFrom = (address: string, url: string) =>
  fixture.app.inject({ method: 'GET', url, remoteAddress: address })

// biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText is the rendered text a person reads.
const text = (selector: string) => page.locator(selector).innerText()

describe('the status page', () => {
  it('shows the health, the breaker state and every namespace with keys, memory and budget', async () => {
    await page.goto(`${base}/status?refresh=500`)
    expect(await page.title()).toBe('redlayer example: Redis status')
    await page.locator('#health[data-status="ok"]').waitFor({ timeout: 10_000 })
    expect(await text('#health')).toBe('ok')
    expect(await text('#breaker')).toBe('closed')
    expect(await text('#mode')).toBe('standalone')
    // Which server, as what, and how old each figure is.
    expect(await text('#address')).toBe(`127.0.0.1:${fixture.server.port}`)
    expect(await text('#role')).toBe('master')
    expect(await text('#health-checked')).toMatch(/^\d+ s ago$/)
    await expect.poll(() => text('#audit-age'), { timeout: 10_000 }).toMatch(/^\(\d+ s ago\)$/)

    const rows = page.locator('#namespaces tr')
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(exampleKeyspace.namespaces.length)
    const names = await page.locator('#namespaces tr th').allInnerTexts()
    expect(names).toEqual(exampleKeyspace.namespaces.map((ns) => ns.name))
    const entity = (await page.locator('#namespaces tr[data-namespace="entity"] td').allInnerTexts()).map(
      (t) => t.trim(),
    )
    expect(Number(entity[0])).toBeGreaterThanOrEqual(3) // keys
    expect(entity[1]).toMatch(/^\d+(\.\d)? (B|KiB|MiB)$/) // memory
    expect(entity[2]).toBe('100 MiB') // budget, as the health report prints it
    expect(entity[5]).toBe('safe')
    expect(entity[6]).toBe('bypass')
    expect(await text('#hit-ratio')).toMatch(/^\d+\.\d %$/)
    expect(await text('#latency')).toMatch(/^[\d.]+ ms \/ [\d.]+ ms \/ [\d.]+ ms$/)
    // Alerts: none about memory, errors or the breaker (a slow-operation warning may appear on a
    // loaded machine, and is not a failure of the page).
    expect(await text('#alerts')).not.toMatch(/RedisBreakerOpen|RedisErrorRateHigh|RedisMemory/)
  })

  it('updates the numbers by itself: rate-limit rejections appear without a reload', async () => {
    const before = Number((await text('#rejections')).replace(/,/g, ''))
    for (let i = 0; i < 4; i++) await fetch(`${apiBase}/api/entities/1`)
    await expect
      .poll(async () => Number((await text('#rejections')).replace(/,/g, '')), { timeout: 10_000 })
      .toBe(before + 2)
  })

  it('shows the breaker open and the alert while Redis is stopped, then closed again', async () => {
    fixture.server.pause()
    try {
      const deadline = Date.now() + 15_000
      while ((await text('#breaker')) !== 'open') {
        if (Date.now() > deadline) throw new Error('the page never showed the breaker open')
        await Promise.all([4, 5, 6].map((id) => fetchFrom(`10.0.1.${id}`, `/api/entities/${id}`)))
        await sleep(100)
      }
      await page.locator('#health[data-status="degraded"]').waitFor({ timeout: 10_000 })
      await expect.poll(() => text('#alerts'), { timeout: 10_000 }).toContain('RedisBreakerOpen')
      expect(await text('#memory')).toBe('unavailable')
      await expect.poll(() => text('#address'), { timeout: 10_000 }).toBe('unavailable')
      // The audit shown is the one from before the outage, and says so.
      await expect
        .poll(() => text('#audit-age'), { timeout: 10_000 })
        .toContain('stale: Redis is unavailable')
      expect(await page.locator('#audit-age').getAttribute('data-stale')).toBe('true')
    } finally {
      fixture.server.resume()
    }
    await expect.poll(() => text('#breaker'), { timeout: 15_000 }).toBe('closed')
    await page.locator('#health[data-status="ok"]').waitFor({ timeout: 10_000 })
    await expect
      .poll(() => page.locator('#audit-age').getAttribute('data-stale'), { timeout: 10_000 })
      .toBe('false')
  })
})
