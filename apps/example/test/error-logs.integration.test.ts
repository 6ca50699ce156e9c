import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { signIn, startAppFixture, TEST_PASSWORD } from './app-fixture.js'

// Issue 17: what the logs of a failing app say. A session whose keys were corrupted (a script
// then fails with WRONGTYPE, an ioredis ReplyError carrying every key and argument) and an
// outage: the log names the error's class and the command, and holds no key, id or value.
describe('the logs of errors and outages', () => {
  it('hold no key, session id, user id or value, and stay a few lines during an outage', async () => {
    const lines: string[] = []
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(
          ...chunk
            .toString()
            .split('\n')
            .filter((line: string) => line !== ''),
        )
        done()
      },
    })
    await using f = await startAppFixture({ logger: { level: 'info', stream } })
    const userName = 'user-4242-secret'
    const headers = await signIn(f.app, userName)
    const request = (method: 'GET' | 'POST', url: string, payload?: object) =>
      f.app.inject({ method, url, headers, ...(payload && { payload }) })

    const created = await request('POST', '/api/sessions', { state: { note: 'state-value-secret' } })
    expect(created.statusCode).toBe(201)
    const { id } = created.json<{ id: string }>()
    expect(
      (await request('POST', `/api/sessions/${id}/events`, { type: 'user', data: 'event-value-secret' }))
        .statusCode,
    ).toBe(201)

    // Every hash of the chat sessions becomes a string: the session scripts then fail.
    let cursor = '0'
    do {
      const [next, keys] = await f.client.scan(cursor, 'MATCH', `${f.keyPrefix}:session:*`, 'COUNT', 100)
      cursor = next
      for (const key of keys) {
        if ((await f.client.type(key)) === 'hash') {
          await f.client.del(key)
          await f.client.set(key, 'corrupt-value-secret')
        }
      }
    } while (cursor !== '0')
    const failed = await request('POST', `/api/sessions/${id}/events`, {
      type: 'user',
      data: 'event-value-secret-2',
    })
    expect(failed.statusCode).toBe(500)

    // An outage: 50 requests that need Redis, with Redis stopped.
    f.server.pause()
    try {
      for (let i = 0; i < 50; i++) await request('GET', `/api/sessions/${id}`)
    } finally {
      f.server.resume()
    }

    const text = lines.join('\n')
    const errors = lines.filter((line) => line.includes('"request failed"'))
    expect(errors.length).toBeGreaterThanOrEqual(1)
    expect(errors.length).toBeLessThanOrEqual(10)
    expect(text).toContain('"type":"ReplyError"')
    expect(text).toContain('"command":"evalsha"')
    for (const secret of [
      id,
      userName,
      headers.authorization.slice('Bearer '.length),
      TEST_PASSWORD,
      f.keyPrefix,
      'state-value-secret',
      'event-value-secret',
      'corrupt-value-secret',
    ]) {
      expect({ secret, found: text.includes(secret) }).toEqual({ secret, found: false })
    }
    // Requests are logged by their route, not their URL (which holds the session id).
    expect(text).toContain('"route":"/api/sessions/:id/events"')
  })
})
