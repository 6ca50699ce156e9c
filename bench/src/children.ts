import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

const fromSource = import.meta.url.endsWith('.ts')
const benchDir = fileURLToPath(new URL('..', import.meta.url))

/**
 * Starts `src/<name>.ts` (through tsx, sibling packages from source: how the tests run) or
 * `dist/<name>.js` (the built bench) in a node process of its own, with an IPC channel.
 */
export function startChild(name: string, env: Record<string, string>): ChildProcess & AsyncDisposable {
  const args = fromSource
    ? ['--import', 'tsx', '--conditions=@redlayer/source', `src/${name}.ts`]
    : [`dist/${name}.js`]
  const child = spawn(process.execPath, args, {
    cwd: benchDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
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

/** The child's next message of `type` (an `error` message or an exit rejects), bounded. */
export function nextMessage<T>(child: ChildProcess, type: string, timeoutMs = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
    }
    const timer = setTimeout(() => {
      done()
      reject(new Error(`no ${type} message from the child within ${timeoutMs} ms`))
    }, timeoutMs)
    timer.unref()
    const onMessage = (message: { type?: string; message?: string }) => {
      if (message?.type === 'error') {
        done()
        reject(new Error(`child failed: ${message.message}`))
      } else if (message?.type === type) {
        done()
        resolve(message as T)
      }
    }
    const onExit = (code: number | null) => {
      done()
      reject(new Error(`the child exited (${code}) before its ${type} message`))
    }
    child.on('message', onMessage)
    child.on('exit', onExit)
  })
}
