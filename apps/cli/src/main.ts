#!/usr/bin/env node
import { RedlayerError } from '@redlayer/connection'
import { runCli } from './cli.js'

// The first SIGINT/SIGTERM stops a flush or an audit between two batches, with the record of what
// was done; a second one ends the process at once (the listeners are `once`).
const interrupt = new AbortController()
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () =>
    interrupt.abort(new RedlayerError('E_INTERRUPTED', `interrupted by ${signal}`, { details: { signal } })),
  )
}

const exitCode = await runCli(process.argv.slice(2), {
  signal: interrupt.signal,
  env: process.env,
  cwd: process.cwd(),
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
})
// The exit code only: stdout is flushed before Node exits, and nothing else may keep it alive.
process.exitCode = exitCode
