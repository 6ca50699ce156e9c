import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AppFixture, signIn, startAppFixture, TEST_PASSWORD } from './app-fixture.js'

// ADR-0041: sign-up, log-in and log-out with bearer tokens over the `login` session namespace,
// and the admin listener behind ADMIN_TOKEN.

const ADMIN_TOKEN = randomBytes(32).toString('base64url')

let fixture: AppFixture
beforeAll(async () => {
  fixture = await startAppFixture({ adminToken: ADMIN_TOKEN })
})
afterAll(async () => {
  await fixture?.[Symbol.asyncDispose]()
})

const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
  fixture.app.inject({ method: 'POST', url, payload, headers })

describe('users and logins', () => {
  it('registers a name once, stores only an scrypt hash, and refuses weak or malformed credentials', async () => {
    const created = await post('/api/users', { name: 'hopper', password: TEST_PASSWORD })
    expect(created.statusCode).toBe(201)
    expect(created.json()).toEqual({ id: expect.any(Number), name: 'hopper' })
    expect(created.body).not.toContain(TEST_PASSWORD)
    const taken = await post('/api/users', { name: 'hopper', password: 'another long password' })
    expect(taken.statusCode).toBe(409)
    expect(taken.json()).toMatchObject({ code: 'E_USER_EXISTS' })
    const [row] = await fixture.db.query<{ password_hash: string }>(
      'SELECT password_hash FROM users WHERE name = $1',
      ['hopper'],
    )
    expect(row?.password_hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/)
    expect(row?.password_hash).not.toContain(TEST_PASSWORD)
    for (const bad of [
      { name: 'hopper2', password: 'short' },
      { name: 'Not A Name!', password: TEST_PASSWORD },
      { name: 'hopper3' },
    ]) {
      const refused = await post('/api/users', bad)
      expect(refused.statusCode, JSON.stringify(bad)).toBe(400)
      expect(refused.json()).toMatchObject({ code: 'E_BAD_REQUEST' })
    }
  })

  it('answers a wrong password and an unknown name alike', async () => {
    await signIn(fixture.app, 'lovelace')
    const wrong = await post('/api/login', { name: 'lovelace', password: 'not the password at all' })
    const unknown = await post('/api/login', { name: 'nobody-here', password: TEST_PASSWORD })
    expect([wrong.statusCode, unknown.statusCode]).toEqual([401, 401])
    expect(wrong.json()).toEqual(unknown.json())
  })

  it('logs in with a random token that names the user, and logs out for good', async () => {
    const headers = await signIn(fixture.app, 'turing')
    const token = headers.authorization.slice('Bearer '.length)
    // 16 hex characters of owner hash, then 144 random bits (ADR-0033).
    expect(token).toMatch(/^[0-9a-f]{16}\.[A-Za-z0-9_-]{24}$/)
    const me = await fixture.app.inject({ method: 'GET', url: '/api/me', headers })
    expect(me.json()).toEqual({ userId: expect.stringMatching(/^\d+$/), name: 'turing' })
    expect((await post('/api/logout', {}, headers)).statusCode).toBe(204)
    const after = await fixture.app.inject({ method: 'GET', url: '/api/me', headers })
    expect(after.statusCode).toBe(401)
    expect(after.headers['www-authenticate']).toMatch(
      /^Bearer realm="redlayer-example", error="invalid_token"$/,
    )
    // Another login of the same user is a new token; the old one stays ended.
    const again = await signIn(fixture.app, 'turing')
    expect(again.authorization).not.toBe(headers.authorization)
    expect((await fixture.app.inject({ method: 'GET', url: '/api/me', headers: again })).statusCode).toBe(200)
  })

  it('refuses a malformed Authorization header rather than serving it as anonymous', async () => {
    for (const authorization of ['Bearer', 'Token abc', `Bearer ${'x'.repeat(300)}`, 'Bearer a b']) {
      const response = await fixture.app.inject({
        method: 'GET',
        url: '/api/entities/1',
        headers: { authorization },
      })
      expect(response.statusCode, authorization).toBe(401)
    }
  })
})

describe('the admin listener with ADMIN_TOKEN', () => {
  const basic = (user: string, password: string) =>
    `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

  it('answers 401 with a Basic challenge without the token, or with a wrong one, on every route', async () => {
    for (const url of ['/status', '/metrics', '/monitoring/redis', '/health']) {
      for (const headers of [
        {},
        { authorization: 'Bearer wrong' },
        { authorization: basic('admin', 'wrong') },
        { authorization: `Bearer ${ADMIN_TOKEN}x` },
      ]) {
        const response = await fixture.admin.inject({ method: 'GET', url, headers })
        expect(response.statusCode, `${url} ${JSON.stringify(headers)}`).toBe(401)
        expect(response.headers['www-authenticate']).toBe('Basic realm="redlayer admin", charset="UTF-8"')
        expect(response.body).not.toContain(ADMIN_TOKEN)
      }
    }
    const recount = await fixture.admin.inject({ method: 'POST', url: '/jobs/recount' })
    expect(recount.statusCode).toBe(401)
  })

  it('serves with the token as a bearer (Prometheus, curl) or as the Basic password (a browser)', async () => {
    const bearer = await fixture.admin.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    })
    expect(bearer.statusCode).toBe(200)
    const browser = await fixture.admin.inject({
      method: 'GET',
      url: '/status',
      headers: { authorization: basic('anyone', ADMIN_TOKEN) },
    })
    expect(browser.statusCode).toBe(200)
    const recount = await fixture.admin.inject({
      method: 'POST',
      url: '/jobs/recount',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    })
    expect(recount.statusCode).toBe(200)
  })

  it('keeps the admin routes off the API listener', async () => {
    for (const [method, url] of [
      ['GET', '/status'],
      ['GET', '/metrics'],
      ['GET', '/monitoring/redis'],
      ['POST', '/jobs/recount'],
      ['POST', '/api/jobs/recount'],
    ] as const) {
      expect((await fixture.app.inject({ method, url })).statusCode, url).toBe(404)
    }
  })
})
