import { ACL_USER_NAME, buildAclRule } from '../acl-rule.js'
import type { Command } from '../command.js'
import { EXIT } from '../exit-codes.js'
import { namespaceArgument } from '../namespace-argument.js'
import { usageError } from '../usage-error.js'

export const aclCommand: Command = {
  name: 'acl',
  summary: 'print an ACL SETUSER rule confining a service to some namespaces (no Redis needed)',
  usage: [
    'redlayer acl <namespace...> [--user NAME] [--json]',
    '  --user NAME  the ACL user (default: redlayer-service)',
    'The rule has no password: append >password (or #<sha256 of it>) before running it, on every',
    'data node (ACL users are not replicated).',
  ].join('\n'),
  options: { user: { type: 'string' } },
  async run(context) {
    if (context.positionals.length === 0)
      throw usageError('acl needs at least one namespace: redlayer acl <namespace...>')
    const user = typeof context.values.user === 'string' ? context.values.user : 'redlayer-service'
    if (!ACL_USER_NAME.test(user))
      throw usageError(`--user must match ${ACL_USER_NAME}, got ${JSON.stringify(user.slice(0, 64))}`)
    const names = [...new Set(context.positionals)]
    const rule = buildAclRule(
      user,
      names.map((name) => namespaceArgument(context.keyspace, name)),
    )
    const text = [
      rule.command,
      '',
      `# confines ${user} to ${rule.namespaces.join(', ')}; add a password (>secret or #<sha256>) before running it`,
    ].join('\n')
    return { exitCode: EXIT.ok, data: rule, text }
  },
}
