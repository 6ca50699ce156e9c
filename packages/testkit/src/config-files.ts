import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The shared config files in `packages/testkit/config/`, also mounted by docker-compose.yml. */
export type SharedConfigName = 'redis-primary.conf' | 'sentinel.conf' | 'cluster-node.conf'

/** The directory holding the shared config files (the same from `src/` and from `dist/`). */
export const CONFIG_DIR = fileURLToPath(new URL('../config/', import.meta.url))

const cache = new Map<SharedConfigName, readonly string[]>()

/**
 * The directives of one shared config file, comments and blank lines dropped. The testkit adds
 * its ports after (or, for Sentinel, the monitor line before) these lines.
 */
export function sharedConfig(name: SharedConfigName): readonly string[] {
  let lines = cache.get(name)
  if (!lines) {
    lines = readFileSync(`${CONFIG_DIR}${name}`, 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'))
    cache.set(name, lines)
  }
  return lines
}
