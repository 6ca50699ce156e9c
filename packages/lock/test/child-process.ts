import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

const packageDir = fileURLToPath(new URL('..', import.meta.url))

/**
 * Starts `test/children/<name>.ts` in its own node process (TypeScript through tsx, sibling
 * packages from source), with an IPC channel. Killed when the test ends (`await using`).
 */
export function startChild(name: string, env: Record<string, string>): ChildProcess & AsyncDisposable {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@redlayer/source', `test/children/${name}.ts`],
    { cwd: packageDir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
  )
  return Object.assign(child, {
    [Symbol.asyncDispose]: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit')
        child.kill('SIGCONT')
        child.kill('SIGKILL')
        await exited
      }
    },
  })
}

/** Everything the child printed, once it exited with code 0 (bounded). */
export async function outputOf(child: ChildProcess, timeoutMs: number): Promise<string> {
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  timer.unref()
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null]
  clearTimeout(timer)
  if (code !== 0) throw new Error(`child exited with ${code ?? signal}: ${stderr.slice(-2_000)}`)
  return stdout
}

/** The next IPC message of `type` from the child (bounded). */
export function nextMessage<T extends { type: string }>(
  child: ChildProcess,
  type: string,
  timeoutMs = 20_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage)
      reject(new Error(`no '${type}' message from the child within ${timeoutMs} ms`))
    }, timeoutMs)
    timer.unref()
    const onMessage = (message: T) => {
      if (message?.type !== type) return
      clearTimeout(timer)
      child.off('message', onMessage)
      resolve(message)
    }
    child.on('message', onMessage)
  })
}
