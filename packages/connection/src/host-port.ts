import { isIP } from 'node:net'

/** One Redis node or Sentinel address. `host` is a hostname, an IPv4 address or a bare IPv6 address. */
export interface HostPort {
  host: string
  port: number
}

// RFC 1123 hostname: dot-separated labels of letters, digits and inner hyphens.
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/

/** A port number 1..65535, or a reason why not. */
export function checkPort(value: unknown): string | undefined {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65_535) {
    return 'port must be an integer from 1 to 65535'
  }
  return undefined
}

/** A hostname, an IPv4 or an IPv6 address (bare, without brackets), or a reason why not. */
export function checkHost(host: string): string | undefined {
  if (host === '') return 'host is empty'
  if (isIP(host) !== 0 || HOSTNAME.test(host)) return undefined
  return 'host is not a valid hostname, IPv4 address or IPv6 address'
}

/**
 * Parses `host:port` (IPv6 in brackets: `[::1]:6379`). Returns the address or a reason that
 * never repeats the input, so that a mistyped secret pasted into the wrong variable is not echoed.
 */
export function parseHostPort(text: string): HostPort | string {
  const trimmed = text.trim()
  let host: string
  let portText: string
  if (trimmed.startsWith('[')) {
    const close = trimmed.indexOf(']')
    if (close === -1 || trimmed[close + 1] !== ':') return 'expected [ipv6]:port'
    host = trimmed.slice(1, close)
    portText = trimmed.slice(close + 2)
    if (isIP(host) !== 6) return 'the address in brackets is not an IPv6 address'
  } else {
    const colon = trimmed.lastIndexOf(':')
    if (colon === -1) return 'expected host:port'
    host = trimmed.slice(0, colon)
    portText = trimmed.slice(colon + 1)
    if (host.includes(':')) return 'an IPv6 address must be written in brackets: [::1]:6379'
    const hostProblem = checkHost(host)
    if (hostProblem) return hostProblem
  }
  if (!/^\d{1,5}$/.test(portText)) return 'port must be an integer from 1 to 65535'
  const port = Number(portText)
  return checkPort(port) ?? { host, port }
}

/** `host:port`, with an IPv6 host in brackets. */
export function formatHostPort({ host, port }: HostPort): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`
}
