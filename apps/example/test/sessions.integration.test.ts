import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AppFixture, signIn, startAppFixture } from './app-fixture.js'

// Chat sessions over HTTP through @redlayer/session (ADR-0033), each owned by the signed-in user
// who made it (ADR-0041).

let fixture: AppFixture
beforeAll(async () => {
  fixture = await startAppFixture()
})
afterAll(async () => {
  await fixture?.[Symbol.asyncDispose]()
})

type Headers = { authorization: string }
const users = new Map<string, Headers>()
/** The headers of `name`, signed in once per file. */
async function as(name: string): Promise<Headers> {
  const known = users.get(name)
  if (known) return known
  const headers = await signIn(fixture.app, name)
  users.set(name, headers)
  return headers
}

let caller = 'ada'
const request = async (method: 'GET' | 'POST', url: string, payload?: unknown) =>
  fixture.app.inject({
    method,
    url,
    headers: await as(caller),
    ...(payload === undefined ? {} : { payload: payload as object }),
  })

async function createSession(user: string, state: Record<string, unknown> = {}) {
  caller = user
  const response = await request('POST', '/api/sessions', { state })
  expect(response.statusCode).toBe(201)
  return response.json<{ id: string; version: number; userId: string }>()
}

describe('sessions over HTTP', () => {
  it('creates a session, appends events in order, and reads them back', async () => {
    const created = await createSession('ada', { lang: 'en' })
    const me = (await request('GET', '/api/me')).json<{ userId: string; name: string }>()
    expect(me).toMatchObject({ name: 'ada', userId: expect.stringMatching(/^\d+$/) })
    expect(created).toMatchObject({
      userId: me.userId,
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

  it("lists the caller's sessions, newest first, a page at a time, and no one else's", async () => {
    const ids = []
    for (let i = 0; i < 3; i++) ids.push((await createSession('linus')).id)
    await createSession('someone-else')
    caller = 'linus'
    const first = await request('GET', '/api/sessions?limit=2')
    expect(first.statusCode).toBe(200)
    const page = first.json<{ sessions: { id: string; userId: string }[]; cursor?: string }>()
    expect(page.sessions).toHaveLength(2)
    expect(page.cursor).toEqual(expect.any(String))
    const rest = await request('GET', `/api/sessions?limit=2&cursor=${encodeURIComponent(page.cursor ?? '')}`)
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
    expect((await request('POST', '/api/sessions', { state: 'not an object' })).statusCode).toBe(400)
  })
})

describe('owners', () => {
  it("answers another user's session as 404, as one that does not exist, for reads and appends", async () => {
    const { id } = await createSession('alice', { secret: 'of alice' })
    caller = 'mallory'
    const read = await request('GET', `/api/sessions/${id}?events=all`)
    expect(read.statusCode).toBe(404)
    expect(read.body).not.toContain('of alice')
    const append = await request('POST', `/api/sessions/${id}/events`, { type: 'user', data: 'injected' })
    expect(append.statusCode).toBe(404)
    expect((await request('GET', '/api/sessions')).json<{ sessions: unknown[] }>().sessions).toEqual([])
    // Nothing was appended: alice still reads her session untouched.
    caller = 'alice'
    const own = (await request('GET', `/api/sessions/${id}?events=all`)).json<{
      version: number
      events: unknown[]
    }>()
    expect(own).toMatchObject({ version: 0, events: [] })
  })

  it('answers 401 without a token, and the routes of other users are gone', async () => {
    const { id } = await createSession('carol')
    for (const [method, url] of [
      ['POST', '/api/sessions'],
      ['GET', '/api/sessions'],
      ['GET', `/api/sessions/${id}`],
      ['POST', `/api/sessions/${id}/events`],
    ] as const) {
      const anonymous = await fixture.app.inject({ method, url, payload: { type: 'user' } })
      expect(anonymous.statusCode, `${method} ${url}`).toBe(401)
      expect(anonymous.json(), `${method} ${url}`).toMatchObject({ code: 'E_UNAUTHENTICATED' })
    }
    caller = 'carol'
    expect((await request('GET', '/api/users/carol/sessions')).statusCode).toBe(404)
  })

  it('bounds the fields of a body: thousands of state fields are a 400, not a script failure', async () => {
    caller = 'dave'
    const state = Object.fromEntries(Array.from({ length: 4_000 }, (_, i) => [`f${i}`, i]))
    const response = await request('POST', '/api/sessions', { state })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ code: 'E_TOO_MANY_FIELDS' })
  })
})
