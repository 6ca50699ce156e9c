import { RedlayerError } from '@redlayer/connection'
import type { Keyspace, ResolvedNamespace } from '@redlayer/keyspace'

/** The declared namespace `name`, or `E_UNKNOWN_NAMESPACE` (exit code 2) listing the known ones. */
export function namespaceArgument(keyspace: Keyspace, name: string): ResolvedNamespace {
  const found = keyspace.namespaces.find((ns) => ns.name === name)
  if (found === undefined) {
    const known = keyspace.namespaces.map((ns) => ns.name)
    throw new RedlayerError(
      'E_UNKNOWN_NAMESPACE',
      `unknown namespace ${JSON.stringify(name.slice(0, 64))}; the keyspace declares ${known.join(', ')}`,
      { details: { known } },
    )
  }
  return found
}
