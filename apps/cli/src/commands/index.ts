import type { Command } from '../command.js'
import { aclCommand } from './acl.js'
import { auditCommand } from './audit.js'
import { doctorCommand } from './doctor.js'
import { flushCommand } from './flush.js'
import { healthCommand } from './health.js'
import { namespacesCommand } from './namespaces.js'

/** Every `redlayer` command, in the order `redlayer --help` lists them. */
export const COMMANDS: readonly Command[] = [
  namespacesCommand,
  auditCommand,
  flushCommand,
  doctorCommand,
  aclCommand,
  healthCommand,
]
