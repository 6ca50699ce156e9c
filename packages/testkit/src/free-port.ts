import { createServer, type Server } from 'node:net'

function listen(host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, host, () => resolve(server))
  })
}

function portOf(server: Server): number {
  const address = server.address()
  if (address && typeof address === 'object') return address.port
  throw new Error('could not read the port of a probe socket')
}

/**
 * Asks the kernel for `count` distinct free TCP ports on loopback. All probe sockets stay open
 * until every port is known, so the ports differ from one another even when asked in parallel.
 */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers: Server[] = []
  try {
    for (let i = 0; i < count; i++) servers.push(await listen(host))
    return servers.map(portOf)
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
  }
}

/** Asks the kernel for a free TCP port on loopback. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const [port] = await freePorts(1, host)
  if (port === undefined) throw new Error('no free port')
  return port
}
