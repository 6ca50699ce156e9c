import ipaddr from 'ipaddr.js'

/**
 * The bucket a client address counts against (ADR-0012): an IPv4 address as is (an IPv4-mapped
 * IPv6 address, `::ffff:10.1.2.3`, is the IPv4 one), an IPv6 address by its `/ipv6Subnet` network
 * (64 by default: one end site gets a /64 or more, so each of its addresses is the same client).
 * Anything that is not an address comes back unchanged.
 */
export function clientAddress(ip: string, ipv6Subnet = 64): string {
  if (!ipaddr.isValid(ip)) return ip
  const address = ipaddr.process(ip)
  if (address.kind() === 'ipv4') return address.toString()
  const parts = (address as ipaddr.IPv6).parts.map((part, i) => {
    const bits = Math.min(16, Math.max(0, ipv6Subnet - i * 16))
    return bits === 16 ? part : bits === 0 ? 0 : part & (0xffff << (16 - bits)) & 0xffff
  })
  return `${new ipaddr.IPv6(parts).toString()}/${ipv6Subnet}`
}
