import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Entity } from '../src/db/entity-repository.js'
import type { AppFixture, StartFixture } from './app-fixture.js'

/**
 * Entities read through the `entity` and `cache:query` caches over a real redis-server and the
 * database that `start` gives the app (it must start seeded by `migrate`); every write
 * invalidates what it changed.
 */
export function describeEntityEndpoints(start: StartFixture): void {
  let fixture: AppFixture
  beforeAll(async () => {
    fixture = await start()
  })
  afterAll(async () => {
    await fixture?.[Symbol.asyncDispose]()
  })

  const get = (url: string) => fixture.app.inject({ method: 'GET', url })
  const send = (method: 'POST' | 'PATCH', url: string, payload: unknown) =>
    fixture.app.inject({ method, url, payload: payload as object })

  describe('GET /api/entities/:id', () => {
    it('reads through the entity cache: the database first, then the cache, until a write', async () => {
      const first = await get('/api/entities/1')
      expect(first.statusCode).toBe(200)
      expect(first.headers['x-source']).toBe('database')
      const entity = first.json<Entity>()
      expect(entity).toMatchObject({ id: 1, kind: expect.any(String), name: expect.any(String) })

      const second = await get('/api/entities/1')
      expect(second.headers['x-source']).toBe('cache')
      expect(second.json()).toEqual(first.json())
      // The value sits in Redis under the app's prefix, in the `entity` namespace.
      const keys = await fixture.client.scan('0', 'MATCH', `${fixture.keyPrefix}:entity::*`, 'COUNT', 1000)
      expect(keys[1].length).toBeGreaterThan(0)

      const patched = await send('PATCH', '/api/entities/1', { name: 'Dune Messiah' })
      expect(patched.statusCode).toBe(200)
      expect(patched.json()).toMatchObject({ id: 1, name: 'Dune Messiah' })
      const after = await get('/api/entities/1')
      expect(after.headers['x-source']).toBe('database')
      expect(after.json()).toMatchObject({ name: 'Dune Messiah' })
    })

    it('answers 404 for an entity that does not exist (and caches the miss)', async () => {
      const first = await get('/api/entities/999999')
      expect(first.statusCode).toBe(404)
      expect(first.json()).toMatchObject({ statusCode: 404, error: 'Not Found' })
      const second = await get('/api/entities/999999')
      expect(second.statusCode).toBe(404)
      expect(second.headers['x-source']).toBe('cache')
    })

    it('forgets a cached absence when the entity is created', async () => {
      const [row] = await fixture.db.query<{ next: number }>('SELECT max(id) + 1 AS next FROM entities')
      const next = row?.next ?? 0
      expect((await get(`/api/entities/${next}`)).statusCode).toBe(404)
      expect((await get(`/api/entities/${next}`)).headers['x-source']).toBe('cache')
      const created = await send('POST', '/api/entities', { kind: 'paper', name: 'Zookeeper' })
      expect(created.json<Entity>().id).toBe(next)
      const found = await get(`/api/entities/${next}`)
      expect(found.statusCode).toBe(200)
      expect(found.json<Entity>().name).toBe('Zookeeper')
    })

    it('answers 400 with the problem for a bad id', async () => {
      const response = await get('/api/entities/abc')
      expect(response.statusCode).toBe(400)
      expect(response.json()).toMatchObject({ code: 'E_BAD_REQUEST', message: expect.stringContaining('id') })
    })
  })

  describe('GET /api/entities (search)', () => {
    it('caches a search in cache:query and invalidates it when an entity of its kind is created', async () => {
      const url = '/api/entities?kind=film&limit=50'
      const first = await get(url)
      expect(first.statusCode).toBe(200)
      expect(first.headers['x-source']).toBe('database')
      const before = first.json<{ items: Entity[]; total: number }>()
      expect(before.items.every((e) => e.kind === 'film')).toBe(true)
      expect((await get(url)).headers['x-source']).toBe('cache')

      const created = await send('POST', '/api/entities', { kind: 'film', name: 'Primer' })
      expect(created.statusCode).toBe(201)
      expect(created.headers.location).toBe(`/api/entities/${created.json<Entity>().id}`)

      const after = await get(url)
      expect(after.headers['x-source']).toBe('database')
      expect(after.json<{ total: number }>().total).toBe(before.total + 1)
      expect(after.json<{ items: Entity[] }>().items.map((e) => e.name)).toContain('Primer')
    })

    it('invalidates the lists of both kinds when an entity changes kind', async () => {
      const books = await get('/api/entities?kind=book&limit=100')
      const games = await get('/api/entities?kind=game&limit=100')
      const all = await get('/api/entities?limit=100')
      for (const r of [books, games, all]) expect(r.statusCode).toBe(200)
      const moved = books.json<{ items: Entity[] }>().items[0]
      if (!moved) throw new Error('the seed has books')
      expect((await send('PATCH', `/api/entities/${moved.id}`, { kind: 'game' })).statusCode).toBe(200)

      const booksAfter = await get('/api/entities?kind=book&limit=100')
      const gamesAfter = await get('/api/entities?kind=game&limit=100')
      expect(booksAfter.headers['x-source']).toBe('database')
      expect(gamesAfter.headers['x-source']).toBe('database')
      expect(booksAfter.json<{ items: Entity[] }>().items.map((e) => e.id)).not.toContain(moved.id)
      expect(gamesAfter.json<{ items: Entity[] }>().items.map((e) => e.id)).toContain(moved.id)
      expect((await get('/api/entities?limit=100')).headers['x-source']).toBe('database')
    })

    it('searches names case-insensitively, with LIKE characters taken literally', async () => {
      const found = await get('/api/entities?q=NEURO')
      expect(found.json<{ items: Entity[] }>().items.map((e) => e.name)).toEqual(['Neuromancer'])
      const literal = await get(`/api/entities?q=${encodeURIComponent('%')}`)
      expect(literal.json<{ total: number }>().total).toBe(0)
    })

    it('answers 400 listing every bad parameter', async () => {
      const response = await get('/api/entities?kind=Not%20A%20Kind&limit=1000')
      expect(response.statusCode).toBe(400)
      const { message } = response.json<{ message: string }>()
      expect(message).toContain('kind')
      expect(message).toContain('limit')
    })
  })

  describe('POST and PATCH /api/entities', () => {
    it('rejects a body without a name, and a patch that changes nothing', async () => {
      expect((await send('POST', '/api/entities', { kind: 'film' })).statusCode).toBe(400)
      expect((await send('PATCH', '/api/entities/1', {})).json()).toMatchObject({ code: 'E_BAD_REQUEST' })
    })

    it('answers 404 when patching an entity that does not exist', async () => {
      expect((await send('PATCH', '/api/entities/424242', { name: 'x' })).statusCode).toBe(404)
    })
  })
}
