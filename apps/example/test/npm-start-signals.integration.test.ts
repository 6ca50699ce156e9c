import { execFileSync, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startRedis } from '@redlayer/testkit'
import { describe, expect, it, vi } from 'vitest'

// Issue 17: `npm start` under a process manager. A SIGTERM to the `npm` process stops the app
// (and the bootstrap between them): nothing is left running.
const root = fileURLToPath(new URL('../../../', import.meta.url))

/** Every descendant of `pid`, from `ps`. */
function descendants(pid: number): number[] {
  const table = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' })
  const children = new Map<number, number[]>()
  for (const line of table.trim().split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number) as [number, number]
    children.set(parent, [...(children.get(parent) ?? []), child])
  }
  const found: number[] = []
  const walk = (parent: number) => {
    for (const child of children.get(parent) ?? []) {
      found.push(child)
      walk(child)
    }
  }
  walk(pid)
  return found
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('npm start', () => {
  it('stops the app when the npm process gets SIGTERM, and leaves no process behind', async () => {
    await using server = await startRedis({ config: ['appendonly yes'] })
    const npm = spawn('npm', ['start'], {
      cwd: root,
      env: { ...process.env, REDIS_URL: server.url, PORT: '0', HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    npm.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    npm.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      npm.once('exit', (code, signal) => resolve({ code, signal })),
    )
    try {
      await vi.waitFor(() => expect(output).toContain('Listening on'), { timeout: 120_000, interval: 100 })
      const tree = descendants(npm.pid as number)
      expect(tree.length).toBeGreaterThanOrEqual(2) // the bootstrap and the app, at least
      npm.kill('SIGTERM')
      const { code, signal } = await exited
      expect({ code, signal }).not.toEqual({ code: null, signal: null })
      await vi.waitFor(() => expect(tree.filter(alive)).toEqual([]), { timeout: 15_000, interval: 100 })
    } finally {
      if (npm.exitCode === null) npm.kill('SIGKILL')
      for (const pid of descendants(npm.pid as number)) process.kill(pid, 'SIGKILL')
    }
  }, 180_000)
})
