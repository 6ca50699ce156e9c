import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AppFixture, startAppFixture } from './app-fixture.js'

// Chat sessions over HTTP through @redlayer/session (ADR-0033).

let fixture: AppFixture
beforeAll(async () => {
  fixture = await startAppFixture()
})
afterAll(async () => {
  await fixture?.[Symbol.asyncDispose]()
})

const request = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
  fixture.app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) })

async function createSession(userId: string, state: Record<string, unknown> = {}) {
  const response = await request('POST', '/api/sessions', { userId, state })
  expect(response.statusCode).toBe(201)
  return response.json<{ id: string; version: number }>()
}

describe('sessions over HTTP', () => {
  it('creates a session, appends events in order, and reads them back', async () => {
    const created = await createSession('ada', { lang: 'en' })
    expect(created).toMatchObject({
      userId: 'ada',
      appName: 'redlayer-example',
      version: 0,
      state: { lang: 'en' },
    })

    for (const [i, text] of ['hello', 'how are you?', 'bye'].entries()) {
      const appended = await request('POST', `/api/sessions/${created.id}/events`, {
        id: `m${i}`,
        type: i % 2 === 0 ? 'user' : 'assistant',
        data: { text },
      })
      expect(appended.statusCode).toBe(201)
      expect(appended.json()).toMatchObject({ status: 'appended', version: i + 1, seq: i + 1 })
    }
    const read = await request('GET', `/api/sessions/${created.id}?events=all`)
    expect(read.statusCode).toBe(200)
    const session = read.json<{
      version: number
      eventCount: number
      events: { id: string; data: unknown }[]
    }>()
    expect(session).toMatchObject({ version: 3, eventCount: 3 })
    expect(session.events.map((e) => e.data)).toEqual([
      { text: 'hello' },
      { text: 'how are you?' },
      { text: 'bye' },
    ])

    const last = await request('GET', `/api/sessions/${created.id}?events=last:1`)
    expect(last.json<{ events: { id: string }[] }>().events.map((e) => e.id)).toEqual(['m2'])
  })

  it('skips a retried event (same id) and answers 409 on a version conflict', async () => {
    const { id } = await createSession('grace')
    const event = { id: 'once', type: 'user', data: { text: 'hi' } }
    expect((await request('POST', `/api/sessions/${id}/events`, event)).statusCode).toBe(201)
    const retry = await request('POST', `/api/sessions/${id}/events`, event)
    expect(retry.statusCode).toBe(200)
    expect(retry.json()).toMatchObject({ status: 'duplicate', version: 1 })

    const stale = await request('POST', `/api/sessions/${id}/events`, { type: 'user', expectedVersion: 0 })
    expect(stale.statusCode).toBe(409)
    expect(stale.json()).toMatchObject({ status: 'conflict', currentVersion: 1 })
    const fresh = await request('POST', `/api/sessions/${id}/events`, { type: 'user', expectedVersion: 1 })
    expect(fresh.statusCode).toBe(201)
  })

  it("lists a user's sessions, newest first, a page at a time", async () => {
    const ids = []
    for (let i = 0; i < 3; i++) ids.push((await createSession('linus')).id)
    await createSession('someone-else')
    const first = await request('GET', '/api/users/linus/sessions?limit=2')
    expect(first.statusCode).toBe(200)
    const page = first.json<{ sessions: { id: string; userId: string }[]; cursor?: string }>()
    expect(page.sessions).toHaveLength(2)
    expect(page.cursor).toEqual(expect.any(String))
    const rest = await request(
      'GET',
      `/api/users/linus/sessions?limit=2&cursor=${encodeURIComponent(page.cursor ?? '')}`,
    )
    const second = rest.json<{ sessions: { id: string }[]; cursor?: string }>()
    expect(second.cursor).toBeUndefined()
    expect([...page.sessions, ...second.sessions].map((s) => s.id).sort()).toEqual([...ids].sort())
  })

  it('answers 404 for an unknown session and 400 for something that is not a session id', async () => {
    const { id } = await createSession('margaret')
    const unknown = `${id.slice(0, -4)}AAAA`
    expect((await request('GET', `/api/sessions/${unknown}`)).statusCode).toBe(404)
    expect((await request('POST', `/api/sessions/${unknown}/events`, { type: 'user' })).statusCode).toBe(404)
    const bad = await request('GET', '/api/sessions/not-a-session')
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toMatchObject({ code: 'E_INVALID_SESSION_ID' })
    expect((await request('POST', '/api/sessions', { state: {} })).statusCode).toBe(400)
  })
})
