import { NAMESPACE_KINDS, type NamespaceKind } from '@redlayer/keyspace'
import { ACL_USER_NAME, buildAclRule } from '../acl-rule.js'
import type { Command } from '../command.js'
import { EXIT } from '../exit-codes.js'
import { namespaceArgument } from '../namespace-argument.js'
import { usageError } from '../usage-error.js'

/** `--packages cache,lock`: the packages of namespaces that declare no kind. */
function packagesOption(value: unknown): NamespaceKind[] | undefined {
  if (typeof value !== 'string') return undefined
  const names = value.split(',').map((name) => name.trim())
  const unknown = names.filter((name) => !(NAMESPACE_KINDS as readonly string[]).includes(name))
  if (unknown.length > 0 || names.length === 0)
    throw usageError(
      `--packages takes ${NAMESPACE_KINDS.join(', ')} (comma-separated), got ${JSON.stringify(value.slice(0, 80))}`,
    )
  return names as NamespaceKind[]
}

export const aclCommand: Command = {
  name: 'acl',
  summary:
    'print an ACL SETUSER rule with the least rights a service needs for some namespaces (no Redis needed)',
  usage: [
    'redlayer acl <namespace...> [--user NAME] [--packages KIND,...] [--json]',
    '  --user NAME          the ACL user (default: redlayer-service)',
    '  --packages KIND,...  the packages (cache, ratelimit, lock, session) of namespaces that declare',
    '                       no kind; a namespace with a kind is served by that package only',
    'The rule has no password: append >password (or #<sha256 of it>) before running it, on every',
    'data node (ACL users are not replicated).',
  ].join('\n'),
  options: { user: { type: 'string' }, packages: { type: 'string' } },
  async run(context) {
    if (context.positionals.length === 0)
      throw usageError('acl needs at least one namespace: redlayer acl <namespace...>')
    const user = typeof context.values.user === 'string' ? context.values.user : 'redlayer-service'
    if (!ACL_USER_NAME.test(user))
      throw usageError(`--user must match ${ACL_USER_NAME}, got ${JSON.stringify(user.slice(0, 64))}`)
    const given = packagesOption(context.values.packages)
    const namespaces = [...new Set(context.positionals)].map((name) =>
      namespaceArgument(context.keyspace, name),
    )
    const kindless = namespaces.filter((ns) => ns.kind === undefined).map((ns) => ns.name)
    if (kindless.length > 0 && given === undefined)
      throw usageError(
        `${kindless.join(', ')} declare${kindless.length === 1 ? 's' : ''} no kind: name the packages that use ${kindless.length === 1 ? 'it' : 'them'} with --packages (${NAMESPACE_KINDS.join(', ')})`,
      )
    // Each namespace: its own kind's package, or every package --packages names.
    const rules = namespaces.flatMap((ns) =>
      ns.kind ? [{ ns, kind: ns.kind }] : (given ?? []).map((kind) => ({ ns, kind })),
    )
    const rule = buildAclRule(user, rules)
    const text = [
      rule.command,
      '',
      `# confines ${user} to ${rule.namespaces.join(', ')} (${rule.packages.join(', ')}); add a password (>secret or #<sha256>) before running it`,
    ].join('\n')
    return { exitCode: EXIT.ok, data: rule, text }
  },
}
