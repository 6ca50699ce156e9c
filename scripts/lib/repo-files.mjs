import { readdirSync } from 'node:fs'
import { join, relative, sep } from 'node:path'

// Generated, installed or foreign trees: never sources of citations.
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.git', '.turbo', 'coverage', '.redlayer-tmp'])
const SKIPPED_PATHS = new Set(['bench/results'])

const posix = (root, path) => relative(root, path).split(sep).join('/')

/**
 * Every file under `dir` (relative to `root`, with forward slashes) whose name passes `accept`,
 * skipping generated and installed trees. A missing `dir` yields nothing.
 */
export function listFiles(root, dir, accept) {
  const found = []
  const walk = (absolute) => {
    let entries
    try {
      entries = readdirSync(absolute, { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      const path = join(absolute, entry.name)
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name) && !SKIPPED_PATHS.has(posix(root, path))) walk(path)
      } else if (entry.isFile() && accept(entry.name)) {
        found.push(posix(root, path))
      }
    }
  }
  walk(join(root, dir))
  return found.sort()
}

/** The workspace package directories of `group` (`packages`, `apps`) that hold a package.json. */
export function packageDirs(root, group) {
  let entries
  try {
    entries = readdirSync(join(root, group), { withFileTypes: true })
  } catch {
    return []
  }
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => `${group}/${entry.name}`)
    .filter((dir) => listFiles(root, dir, (name) => name === 'package.json').includes(`${dir}/package.json`))
    .sort()
}
