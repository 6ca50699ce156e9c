#!/usr/bin/env node
import { runCli } from './cli.js'

const exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
})
// The exit code only: stdout is flushed before Node exits, and nothing else may keep it alive.
process.exitCode = exitCode
