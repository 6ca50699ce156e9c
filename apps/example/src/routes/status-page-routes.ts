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

// Issue 17: the page loads only its own files and is never framed; a script injected into a
// figure it shows would not run.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
} as const

/**
 * The status page: plain HTML, CSS and a small module script (importing the byte formatter the
 * server's reports use) that polls `/monitoring/redis` and `/health`, with the usual security headers.
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
    app.get(path, async (_request, reply) =>
      reply.type(type).headers(SECURITY_HEADERS).header('cache-control', 'no-cache').send(body),
    )
  }
  app.get('/', async (_request, reply) => reply.redirect('/status'))
}
