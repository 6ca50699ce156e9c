import { runStartReport } from './start-report.js'

// `npm start` (scripts/bootstrap.mjs runs the built file). Until the example app lands, this
// prints the health of the configured Redis and the example keyspace. SIGINT and SIGTERM stop
// it cleanly: a local redis-server it started is stopped before it exits.
const controller = new AbortController()
for (const name of ['SIGINT', 'SIGTERM'] as const) {
  process.once(name, () => controller.abort(name))
}

const code = await runStartReport({
  env: process.env,
  write: (text) => process.stdout.write(`${text}\n\n`),
  signal: controller.signal,
})
process.exit(code)
