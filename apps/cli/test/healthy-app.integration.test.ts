import { freePort } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { startApp } from '../../example/src/start-app.js'
import { runCli } from './run-cli.js'

// Issue 17: the operator's tools agree with a healthy app. `npm start` as a user runs it (nothing
// answers at the default local address, so it starts its own redis-server), ordinary traffic on
// every namespace, then `redlayer audit` and `redlayer doctor` against that server: both exit 0.
// The fence counter and the cache epochs live without a TTL by design (untimedKeys), tag versions
// and graced entries stay within their namespace's maximum TTL.

const JSON_HEADERS = { 'content-type': 'application/json' }

async function traffic(api: string, admin: string): Promise<void> {
  const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(url, { method: 'POST', headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) })
  for (const id of [1, 2, 3, 1, 2, 3]) await fetch(`${api}/api/entities/${id}`)
  for (const kind of ['book', 'film', 'book']) await fetch(`${api}/api/entities?kind=${kind}`)
  await fetch(`${api}/api/entities/2`, { method: 'PATCH', headers: JSON_HEADERS, body: '{"name":"Renamed"}' })
  const credentials = { name: 'operator', password: 'correct horse battery staple' }
  expect((await post(`${api}/api/users`, credentials)).status).toBe(201)
  const { token } = (await (await post(`${api}/api/login`, credentials)).json()) as { token: string }
  const bearer = { authorization: `Bearer ${token}` }
  const session = (await (await post(`${api}/api/sessions`, { state: { lang: 'en' } }, bearer)).json()) as {
    id: string
  }
  expect(
    (await post(`${api}/api/sessions/${session.id}/events`, { type: 'user', data: 'hi' }, bearer)).status,
  ).toBe(201)
  expect((await fetch(`${admin}/jobs/recount`, { method: 'POST' })).status).toBe(200)
}

type Run = Awaited<ReturnType<typeof runCli>>

/** Traffic, then the two commands against the app's own redis-server (named in its output). */
async function checks(api: string, admin: string, output: string): Promise<{ audit: Run; doctor: Run }> {
  await traffic(api, admin)
  const local = /Started a local redis-server for this run on ([\d.]+):(\d+)/.exec(output)
  if (local === null) throw new Error(`npm start did not start its own redis-server:\n${output}`)
  const env = { REDIS_URL: `redis://${local[1]}:${local[2]}` }
  return { audit: await runCli(['audit'], env, 60_000), doctor: await runCli(['doctor'], env, 60_000) }
}

describe('a fresh npm start after ordinary traffic', () => {
  it('passes redlayer audit and redlayer doctor (exit 0)', async () => {
    const blocks: string[] = []
    const controller = new AbortController()
    let onListening: (ran: { checks: Promise<{ audit: Run; doctor: Run }> }) => void = () => {}
    const listening = new Promise<{ checks: Promise<{ audit: Run; doctor: Run }> }>((resolve) => {
      onListening = resolve
    })
    const running = startApp({
      env: {
        REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
        PORT: '0',
        ADMIN_PORT: '0',
        PATH: process.env.PATH ?? '',
      },
      write: (text) => blocks.push(text),
      signal: controller.signal,
      onListening: (api, admin) => onListening({ checks: checks(api, admin, blocks.join('\n')) }),
    })
    try {
      const started = await Promise.race([
        listening,
        running.then((code) => {
          throw new Error(`npm start exited with ${code} before listening:\n${blocks.join('\n')}`)
        }),
      ])
      const { audit, doctor } = await started.checks
      expect(audit.exitCode, `${audit.stdout}${audit.stderr}`).toBe(0)
      expect(audit.stdout).toContain('Keys of no namespace: 0')
      // The fence counter is there, and counted apart as untimed by design.
      expect(audit.stdout).toMatch(/^lock +forbidden +1 /m)
      expect(doctor.exitCode, `${doctor.stdout}${doctor.stderr}`).toBe(0)
      expect(doctor.stdout).toMatch(/^persistence +ok /m)
    } finally {
      controller.abort('SIGINT')
      expect(await running.catch(() => 1)).toBe(130)
    }
  }, 120_000)
})
