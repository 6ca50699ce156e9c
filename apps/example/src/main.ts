import { startApp } from './start-app.js'

// `npm start` (scripts/bootstrap.mjs runs the built file): the example app, until SIGINT or
// SIGTERM stops it cleanly (a local redis-server it started is stopped before it exits).
const controller = new AbortController()
for (const name of ['SIGINT', 'SIGTERM'] as const) {
  process.once(name, () => controller.abort(name))
}

const code = await startApp({
  env: process.env,
  write: (text) => process.stdout.write(`${text}\n\n`),
  signal: controller.signal,
})
process.exit(code)
