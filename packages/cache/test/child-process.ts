import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

const packageDir = fileURLToPath(new URL('..', import.meta.url))

export type Child = ChildProcess & AsyncDisposable

/**
 * Starts `test/children/<name>.ts` in its own node process (TypeScript through tsx, sibling
 * packages from source), with an IPC channel. Killed when the test ends (`await using`).
 */
export function startChild(name: string, env: Record<string, string>): Child {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@redlayer/source', `test/children/${name}.ts`],
    { cwd: packageDir, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  )
  return Object.assign(child, {
    [Symbol.asyncDispose]: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit')
        child.kill('SIGKILL')
        await exited
      }
    },
  })
}

/** Sends a request and resolves with the child's reply of the same id (bounded). */
export function request<T>(
  child: ChildProcess,
  message: Record<string, unknown>,
  timeoutMs = 20_000,
): Promise<T> {
  const id = Math.random().toString(36).slice(2)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage)
      reject(new Error(`no reply to ${String(message.type)} within ${timeoutMs} ms`))
    }, timeoutMs)
    timer.unref()
    const onMessage = (reply: { id?: string; error?: string; result?: T }) => {
      if (reply?.id !== id) return
      clearTimeout(timer)
      child.off('message', onMessage)
      if (reply.error !== undefined) reject(new Error(reply.error))
      else resolve(reply.result as T)
    }
    child.on('message', onMessage)
    child.send({ ...message, id })
  })
}
