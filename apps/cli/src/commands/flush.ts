import { RedlayerError } from '@redlayer/connection'
import { flushNamespace } from '@redlayer/keyspace'
import type { Command } from '../command.js'
import { EXIT } from '../exit-codes.js'
import { integerOption } from '../integer-option.js'
import { namespaceArgument } from '../namespace-argument.js'
import { usageError } from '../usage-error.js'

export const flushCommand: Command = {
  name: 'flush',
  summary: 'delete every key of one namespace (SCAN + UNLINK), within its flush class',
  usage: [
    'redlayer flush <namespace> [--dry-run] [--force --reason TEXT] [--batch-size N] [--json]',
    '  --dry-run         count what would be deleted, delete nothing',
    '  --force           required, with --reason, for a disruptive namespace',
    '  --reason TEXT     why; goes into the flush record logged on stderr',
    '  --batch-size N    SCAN COUNT and keys per UNLINK (default 500)',
    'safe namespaces flush; disruptive ones need --force and --reason; forbidden ones (locks) are',
    'always refused (exit code 1).',
  ].join('\n'),
  options: {
    'dry-run': { type: 'boolean' },
    force: { type: 'boolean' },
    reason: { type: 'string' },
    'batch-size': { type: 'string' },
  },
  async run(context) {
    const [name, ...extra] = context.positionals
    if (name === undefined) throw usageError('flush needs a namespace: redlayer flush <namespace>')
    if (extra.length > 0) throw usageError(`flush takes one namespace, got ${context.positionals.length}`)
    const ns = namespaceArgument(context.keyspace, name)
    const dryRun = context.values['dry-run'] === true
    const force = context.values.force === true
    const reason = typeof context.values.reason === 'string' ? context.values.reason.trim() : undefined
    if (reason === '') throw usageError('--reason must not be empty')
    const batchSize = integerOption(context.values, 'batch-size', 1, 100_000)
    // ADR-0011: refused before connecting, so the answer does not depend on Redis being up, and
    // with the flags to use; flushNamespace enforces the same classes again.
    if (ns.flushClass === 'forbidden') {
      throw new RedlayerError(
        'E_FLUSH_FORBIDDEN',
        `refused: namespace ${ns.name} is flush-forbidden (${ns.description}); flushing it breaks correctness, no flag allows it`,
        { details: { namespace: ns.name } },
      )
    }
    if (ns.flushClass === 'disruptive' && !dryRun && (!force || reason === undefined)) {
      throw new RedlayerError(
        'E_FLUSH_REFUSED',
        `refused: namespace ${ns.name} is disruptive (${ns.description}); pass --force and --reason TEXT, or --dry-run`,
        { details: { namespace: ns.name } },
      )
    }
    const result = await flushNamespace(await context.redis(), context.keyspace, ns.name, {
      dryRun,
      force,
      signal: context.signal,
      ...(reason === undefined ? {} : { reason }),
      ...(batchSize === undefined ? {} : { batchSize }),
      logger: {
        info: (record, message) => context.log(JSON.stringify({ level: 'info', message, ...record })),
        warn: (record, message) => context.log(JSON.stringify({ level: 'warn', message, ...record })),
      },
    })
    const where = `${result.perNode.length} node(s)`
    const text = dryRun
      ? `Dry run: ${result.matched} keys of ${ns.name} (${ns.flushClass}) would be deleted on ${where}; nothing was deleted`
      : `Flushed ${ns.name} (${ns.flushClass}): ${result.deleted} keys deleted of ${result.matched} matched on ${where}`
    return { exitCode: EXIT.ok, data: result, text }
  },
}
