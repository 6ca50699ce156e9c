import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ConnectionOptions } from 'node:tls'
import { freePort } from './free-port.js'
import { retryOnPortClash } from './port-clash.js'
import { track } from './process-registry.js'
import { redisServerBinary } from './redis-binary.js'
import { type TestCertificates, tlsServerConfig } from './tls-certificates.js'

export interface RedisProcessOptions {
  /** A fixed port; a free one is picked when omitted. */
  port?: number
  /** Extra redis.conf directives, one per line (`'requirepass secret'`, `'cluster-enabled yes'`). */
  config?: readonly string[]
  /**
   * Require this password (`requirepass`; a data node also uses it as `masterauth` towards its
   * primary). Letters, digits and `._~-` only, since it goes into a config file.
   */
  password?: string
  /** Start in Sentinel mode (`redis-server sentinel.conf --sentinel`). */
  sentinel?: boolean
  /**
   * Listen with TLS only, with these certificates (`makeTestCertificates()`): `port` is then the
   * TLS port, and replication (and a sentinel's connections to the nodes) use TLS too.
   */
  tls?: TestCertificates
  /** How long to wait for the server to accept connections. */
  startTimeoutMs?: number
}

const READY = /Ready to accept connections|Sentinel ID is/

/**
 * One real redis-server process on loopback, with the faults a test needs: pause (SIGSTOP),
 * resume, kill (SIGKILL), stop (SIGTERM) and restart on the same port and data directory.
 * Dispose it with `await using`; it is killed and its directory removed even when a test fails.
 */
export class RedisProcess implements AsyncDisposable {
  readonly host = '127.0.0.1'
  readonly port: number
  /** Its working directory (config file, AOF, cluster state). */
  readonly dir: string
  /** The password the server requires, if any. Never part of `url`. */
  readonly password: string | undefined
  readonly #options: RedisProcessOptions
  #child: ChildProcess | undefined
  #output = ''
  #paused = false

  private constructor(port: number, options: RedisProcessOptions) {
    this.port = port
    this.#options = options
    this.password = options.password
    this.dir = mkdtempSync(join(tmpdir(), `redlayer-redis-${port}-`))
  }

  static async start(options: RedisProcessOptions = {}): Promise<RedisProcess> {
    assertPassword(options.password)
    // A fixed port is the caller's: a clash on it is their error to see.
    const startOnce = async () => {
      const server = new RedisProcess(options.port ?? (await freePort()), options)
      writeFileSync(server.configFile, server.#configText())
      try {
        await server.#spawn()
        return server
      } catch (error) {
        await server[Symbol.asyncDispose]()
        throw error
      }
    }
    return options.port === undefined ? retryOnPortClash(startOnce) : startOnce()
  }

  get url(): string {
    return `${this.#options.tls ? 'rediss' : 'redis'}://${this.host}:${this.port}`
  }

  /** The certificates it listens with (TLS only), or undefined for plain TCP. */
  get certificates(): TestCertificates | undefined {
    return this.#options.tls
  }

  /** What a client needs to reach it over TLS (its CA), or undefined for plain TCP. */
  get tls(): ConnectionOptions | undefined {
    return this.#options.tls && { ca: readFileSync(this.#options.tls.caFile) }
  }

  get address(): { host: string; port: number } {
    return { host: this.host, port: this.port }
  }

  /** True for a Sentinel process (not a data node). */
  get sentinel(): boolean {
    return this.#options.sentinel === true
  }

  get configFile(): string {
    return join(this.dir, this.#options.sentinel ? 'sentinel.conf' : 'redis.conf')
  }

  get pid(): number | undefined {
    return this.#child?.pid
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null
  }

  /** True between `pause()` and `resume()` (or the end of the process). */
  get paused(): boolean {
    return this.#paused && this.running
  }

  /** The server's own log so far (for failure messages). */
  get output(): string {
    return this.#output
  }

  /** SIGSTOP: the process hangs with its sockets open, like a stalled or swapping server. */
  pause(): void {
    if (!this.running) return
    this.#child?.kill('SIGSTOP')
    this.#paused = true
  }

  /** SIGCONT after `pause()`. */
  resume(): void {
    if (!this.running) return
    this.#child?.kill('SIGCONT')
    this.#paused = false
  }

  /** SIGKILL: the process dies without a clean shutdown. Resolves once it has exited. */
  async kill(): Promise<void> {
    await this.#terminate('SIGKILL')
  }

  /** SIGTERM: a clean shutdown. Resolves once it has exited. */
  async stop(): Promise<void> {
    await this.#terminate('SIGTERM')
  }

  /** Stops the process if it runs, then starts it again on the same port and directory. */
  async restart(): Promise<void> {
    if (this.running) await this.stop()
    await this.#spawn()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#terminate('SIGKILL')
    rmSync(this.dir, { recursive: true, force: true })
  }

  #configText(): string {
    const lines = [
      `port ${this.port}`,
      `bind ${this.host}`,
      `dir ${this.dir}`,
      'daemonize no',
      'logfile ""',
      'protected-mode no',
    ]
    if (!this.#options.sentinel) lines.push('save ""', 'appendonly no')
    if (this.#options.tls) lines.push(...tlsServerConfig(this.#options.tls, this.port))
    if (this.password !== undefined) {
      lines.push(`requirepass ${this.password}`)
      if (!this.#options.sentinel) lines.push(`masterauth ${this.password}`)
    }
    return `${[...lines, ...(this.#options.config ?? [])].join('\n')}\n`
  }

  async #spawn(): Promise<void> {
    const args = this.#options.sentinel ? [this.configFile, '--sentinel'] : [this.configFile]
    const child = spawn(redisServerBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] })
    this.#child = child
    this.#paused = false
    track(child)
    const timeoutMs = this.#options.startTimeoutMs ?? 10_000
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        fail(`did not become ready within ${timeoutMs} ms`)
      }, timeoutMs)
      timer.unref()
      // Only this run's output counts: after a restart, the previous run's "Ready" is still in
      // `#output`. The tail kept across chunks catches a line split between two of them.
      let tail = ''
      const onData = (chunk: Buffer) => {
        const text = chunk.toString()
        this.#output = (this.#output + text).slice(-20_000)
        tail = (tail + text).slice(-text.length - 64)
        if (READY.test(tail)) done()
      }
      const onExit = (code: number | null) => fail(`exited with code ${code} before it was ready`)
      const cleanup = () => {
        clearTimeout(timer)
        child.off('exit', onExit)
      }
      const done = () => {
        cleanup()
        resolve()
      }
      const fail = (why: string) => {
        cleanup()
        reject(new Error(`redis-server on port ${this.port} ${why}:\n${this.#output.slice(-2_000)}`))
      }
      child.stdout?.on('data', onData)
      child.stderr?.on('data', onData)
      child.once('exit', onExit)
    })
  }

  async #terminate(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child
    if (!child || !this.running) return
    const exited = once(child, 'exit')
    child.kill('SIGCONT') // a paused process would not act on SIGTERM
    child.kill(signal)
    await exited
    this.#paused = false
  }
}

const PASSWORD = /^[A-Za-z0-9._~-]{1,128}$/

/** Throws a TypeError for a password that could not go into a config line as is. */
export function assertPassword(password: string | undefined): void {
  if (password !== undefined && !PASSWORD.test(password)) {
    throw new TypeError(`a testkit password matches ${PASSWORD} (it goes into a config file)`)
  }
}

/** REDIS_PASSWORD for a topology's env when its data nodes require one. */
export function passwordEnv(password: string | undefined): Record<string, string> {
  return password === undefined ? {} : { REDIS_PASSWORD: password }
}

/** A standalone redis-server on a free port. */
export function startRedis(options: RedisProcessOptions = {}): Promise<RedisProcess> {
  return RedisProcess.start(options)
}
