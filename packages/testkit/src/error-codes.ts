import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const CODE = /['"`](E_[A-Z][A-Z0-9_]*)['"`]/g

/**
 * The error codes a package's code names (`'E_…'` literals in `src/**`, tests and comments
 * excluded): what its exported code list must contain, beside the guard's codes it passes on
 * (issue 14: each package exports the union of its codes).
 */
export function errorCodesIn(srcDir: string): Set<string> {
  const codes = new Set<string>()
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        // Code only: a comment may name another package's codes.
        const code = readFileSync(path, 'utf8')
          .replace(/\/\*[\s\S]*?\*\//g, '')
          .replace(/(^|[^:])\/\/.*$/gm, '$1')
        for (const match of code.matchAll(CODE)) codes.add(match[1] as string)
      }
    }
  }
  walk(srcDir)
  return codes
}
