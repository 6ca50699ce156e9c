import type { ChildProcess } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

// Every redis-server the testkit starts is listed here so that none outlives its test run:
// `await using` disposes it when a test ends, the exit hook below kills what is left when the
// worker exits, and `scripts/bootstrap.mjs` kills whatever a crashed worker left behind, from
// the pid files written under REDLAYER_TESTKIT_RUN_DIR.
const live = new Set<ChildProcess>()
const runDir = process.env.REDLAYER_TESTKIT_RUN_DIR

process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

export function track(child: ChildProcess): void {
  live.add(child)
  const pid = child.pid
  if (runDir && pid !== undefined) {
    mkdirSync(runDir, { recursive: true })
    writeFileSync(join(runDir, `${pid}.pid`), String(pid))
  }
  child.once('exit', () => {
    live.delete(child)
    if (runDir && pid !== undefined) rmSync(join(runDir, `${pid}.pid`), { force: true })
  })
}
