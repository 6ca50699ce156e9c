import { readFile } from 'node:fs/promises'
import type { FastifyInstance } from 'fastify'

// apps/example/public, from src/routes (tests) and dist/routes (npm start) alike.
const PUBLIC = new URL('../../public/', import.meta.url)

const FILES = {
  '/status': { file: 'status.html', type: 'text/html; charset=utf-8' },
  '/status.css': { file: 'status.css', type: 'text/css; charset=utf-8' },
  '/status.js': { file: 'status.js', type: 'text/javascript; charset=utf-8' },
  // The page's script imports it (ES module): the same formatter as the server's reports.
  '/memory-size.js': { file: 'memory-size.js', type: 'text/javascript; charset=utf-8' },
} as const

/**
 * The status page: plain HTML, CSS and a small module script (importing the byte formatter the
 * server's reports use) that polls `/monitoring/redis` and `/health`.
 */
export async function statusPageRoutes(app: FastifyInstance): Promise<void> {
  const bodies = await Promise.all(
    Object.entries(FILES).map(async ([path, { file, type }]) => ({
      path,
      type,
      body: await readFile(new URL(file, PUBLIC), 'utf8'),
    })),
  )
  for (const { path, type, body } of bodies) {
    app.get(path, async (_request, reply) => reply.type(type).header('cache-control', 'no-cache').send(body))
  }
  app.get('/', async (_request, reply) => reply.redirect('/status'))
}
