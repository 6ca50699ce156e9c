import { once } from 'node:events'
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net'
import type { NodeAddress } from './admin-client.js'

/**
 * What the proxy does to the bytes between a client and its server:
 * - `pass`: forwards both ways;
 * - `delay`: forwards both ways after `delayMs`;
 * - `blackhole`: keeps every socket open and forwards nothing, like a peer whose packets are
 *   dropped (no RST, no FIN: the client's TCP stack has no reason to report anything). A
 *   connection that was blackholed stays silent after `pass`, since bytes were lost mid-stream;
 *   connections made after `pass` work;
 * - `refuse`: closes new connections at once (existing ones are reset).
 */
export type FaultMode = 'pass' | 'delay' | 'blackhole' | 'refuse'

interface Link {
  readonly client: Socket
  readonly server: Socket
  /** Blackholed once: it stays silent for good (bytes were dropped mid-stream). */
  silent: boolean
}

/**
 * A TCP proxy on loopback in front of one server, for the faults a real network has and a
 * stopped process does not: a connection that goes silent without closing (`blackhole`), a slow
 * link (`delay`), or a refusing host. Bounded: it serves loopback only, and is closed with
 * `await using`. Switch faults with `set()` while clients are connected.
 */
export class FaultProxy implements AsyncDisposable {
  readonly host = '127.0.0.1'
  readonly #server: Server
  readonly #target: NodeAddress
  readonly #links = new Set<Link>()
  #mode: FaultMode = 'pass'
  #delayMs = 0

  private constructor(server: Server, target: NodeAddress) {
    this.#server = server
    this.#target = target
  }

  static async start(target: NodeAddress): Promise<FaultProxy> {
    const server = createServer()
    const proxy = new FaultProxy(server, target)
    server.on('connection', (socket) => proxy.#accept(socket))
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    return proxy
  }

  get port(): number {
    const address = this.#server.address()
    if (address === null || typeof address === 'string') throw new Error('the proxy is not listening')
    return address.port
  }

  get url(): string {
    return `redis://${this.host}:${this.port}`
  }

  get mode(): FaultMode {
    return this.#mode
  }

  /** Connections currently open through the proxy. */
  get connections(): number {
    return this.#links.size
  }

  set(mode: FaultMode, options: { delayMs?: number } = {}): void {
    this.#mode = mode
    this.#delayMs = options.delayMs ?? 0
    if (mode === 'refuse') {
      for (const link of this.#links) this.#close(link, true)
    }
    if (mode === 'blackhole') {
      for (const link of this.#links) link.silent = true
    }
  }

  #accept(client: Socket): void {
    if (this.#mode === 'refuse') {
      client.resetAndDestroy()
      return
    }
    const server = tcpConnect(this.#target.port, this.#target.host)
    const link: Link = { client, server, silent: this.#mode === 'blackhole' }
    this.#links.add(link)
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk: Buffer) => {
        if (link.silent || this.#mode === 'blackhole' || this.#mode === 'refuse') return // dropped
        if (this.#mode === 'delay' && this.#delayMs > 0) {
          setTimeout(() => to.writable && to.write(chunk), this.#delayMs).unref()
        } else if (to.writable) {
          to.write(chunk)
        }
      })
    forward(client, server)
    forward(server, client)
    const end = () => this.#close(link, false)
    client.on('close', end).on('error', end)
    server.on('close', end).on('error', end)
  }

  #close(link: Link, reset: boolean): void {
    if (!this.#links.delete(link)) return
    for (const socket of [link.client, link.server]) {
      if (reset) socket.resetAndDestroy()
      else socket.destroy()
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const link of [...this.#links]) this.#close(link, true)
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }
}

/** Starts a fault proxy in front of `target` (a node's host and port); dispose it with `await using`. */
export function startFaultProxy(target: NodeAddress): Promise<FaultProxy> {
  return FaultProxy.start(target)
}
