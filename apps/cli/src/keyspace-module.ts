import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { RedlayerError } from '@redlayer/connection'
import type { Keyspace } from '@redlayer/keyspace'

/** Where a keyspace comes from: a module and the name of one of its exports. */
export interface KeyspaceSource {
  /** A file path, relative to the working directory; `#name` for an import of this package. */
  readonly module: string
  readonly exportName: string
}

/** The environment variable that names the keyspace module when `--keyspace` is not given. */
export const KEYSPACE_VARIABLE = 'REDLAYER_KEYSPACE'

/**
 * ADR-0011: the keyspace is the service's, named by `--keyspace` or REDLAYER_KEYSPACE; the CLI has
 * none of its own. Undefined when neither is given (a command that needs one then says so).
 */
export function keyspaceSourceOf(
  option: string | undefined,
  env: Record<string, string | undefined>,
): KeyspaceSource | undefined {
  const spec = option ?? env[KEYSPACE_VARIABLE]?.trim()
  return spec ? parseKeyspaceSource(spec) : undefined
}

/** `E_KEYSPACE_MODULE` for a command that needs a keyspace run without one. */
export function noKeyspaceError(command: string): RedlayerError<'E_KEYSPACE_MODULE'> {
  return moduleError(
    `redlayer ${command} works on the service's keyspace: pass --keyspace ./path/to/module.js#export or set ${KEYSPACE_VARIABLE}`,
  )
}

/** The export `keyspace` is used when `--keyspace` names a module without `#export`. */
export const DEFAULT_EXPORT_NAME = 'keyspace'

/** Parses `./path/to/module.js#exportName` (the `#exportName` part is optional). */
export function parseKeyspaceSource(spec: string): KeyspaceSource {
  const hash = spec.lastIndexOf('#')
  const module = (hash > 0 ? spec.slice(0, hash) : spec).trim()
  const exportName = hash > 0 ? spec.slice(hash + 1).trim() : DEFAULT_EXPORT_NAME
  if (module === '' || !/^[A-Za-z_$][\w$]*$/.test(exportName)) {
    throw moduleError(`--keyspace must look like ./path/to/module.js#exportName, got ${JSON.stringify(spec)}`)
  }
  return { module, exportName }
}

function moduleError(message: string, cause?: unknown): RedlayerError<'E_KEYSPACE_MODULE'> {
  return new RedlayerError('E_KEYSPACE_MODULE', message, cause === undefined ? {} : { cause })
}

// Duck-typed rather than `instanceof`: the module may bring its own copy of @redlayer/keyspace.
function isKeyspace(value: unknown): value is Keyspace {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Partial<Record<keyof Keyspace, unknown>>
  return (
    Array.isArray(candidate.namespaces) &&
    typeof candidate.prefix === 'string' &&
    typeof candidate.pattern === 'function' &&
    typeof candidate.classify === 'function' &&
    typeof candidate.namespace === 'function'
  )
}

/**
 * Loads the keyspace: the export is either a `Keyspace` or a function of the application prefix
 * (`(prefix?: string) => Keyspace`), which is called with REDIS_KEY_PREFIX. A `Keyspace` whose
 * prefix differs from REDIS_KEY_PREFIX is refused: the CLI would scan the wrong keys.
 */
export async function loadKeyspace(
  source: KeyspaceSource,
  keyPrefix: string | undefined,
  cwd: string,
): Promise<Keyspace> {
  let loaded: Record<string, unknown>
  try {
    const specifier = source.module.startsWith('#')
      ? source.module
      : pathToFileURL(resolve(cwd, source.module)).href
    loaded = (await import(specifier)) as Record<string, unknown>
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error)
    throw moduleError(`cannot load the keyspace module ${source.module}: ${reason}`, error)
  }
  const exported = loaded[source.exportName]
  if (exported === undefined) {
    const names = Object.keys(loaded).join(', ') || 'none'
    throw moduleError(
      `the keyspace module ${source.module} has no export ${source.exportName} (exports: ${names})`,
    )
  }
  const keyspace =
    typeof exported === 'function' ? await (exported as (prefix?: string) => unknown)(keyPrefix) : exported
  if (!isKeyspace(keyspace)) {
    throw moduleError(
      `${source.module}#${source.exportName} is neither a Keyspace (defineKeyspace) nor a function returning one`,
    )
  }
  const expected = keyPrefix ? `${keyPrefix.replace(/:$/, '')}:` : ''
  if (typeof exported !== 'function' && keyspace.prefix !== expected) {
    throw moduleError(
      `${source.module}#${source.exportName} has the application prefix ${JSON.stringify(keyspace.prefix)} but REDIS_KEY_PREFIX gives ${JSON.stringify(expected)}; export a function of the prefix instead`,
    )
  }
  return keyspace
}
