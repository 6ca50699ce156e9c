import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import type { RedisProcess } from '@redlayer/testkit'

/**
 * SIGSTOP is delivered asynchronously: a server under load may still answer a command sent right
 * after `pause()`. This waits until the kernel reports the process stopped (state T in
 * /proc/<pid>/stat, Linux), bounded by `timeoutMs`.
 */
export async function pauseAndWait(server: RedisProcess, timeoutMs = 5_000): Promise<void> {
  server.pause()
  const pid = server.pid
  if (pid === undefined) throw new Error('the server has no process to pause')
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0]
    if (state === 'T' || state === 't') return
    if (Date.now() > deadline)
      throw new Error(`redis-server ${pid} not stopped after ${timeoutMs} ms (state ${state})`)
    await sleep(5)
  }
}
