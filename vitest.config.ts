import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// One config for the whole workspace: a project per package (named after its package.json),
// all inheriting the settings below. Tests import sibling packages from source through the
// `@redlayer/source` export condition, so a test run never depends on a stale build.
const root = fileURLToPath(new URL('.', import.meta.url))
const workspaceDirs = ['packages', 'apps']
  .flatMap((group) =>
    readdirSync(join(root, group), { withFileTypes: true }).map((entry) => join(root, group, entry.name)),
  )
  .concat(join(root, 'bench'))
  .filter((dir) => {
    try {
      readFileSync(join(dir, 'package.json'))
      return true
    } catch {
      return false
    }
  })

export default defineConfig({
  resolve: { conditions: ['@redlayer/source'] },
  ssr: { resolve: { conditions: ['@redlayer/source'] } },
  test: {
    // The suites mostly wait on real redis-server processes, not on the CPU: three files at a
    // time fit `npm test` in its 10-minute budget on 2 cores, where vitest's default (cores - 1)
    // runs them one by one. VITEST_MAX_WORKERS overrides it.
    maxWorkers: Number(process.env.VITEST_MAX_WORKERS ?? 3),
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      ...workspaceDirs.map((dir) => ({
        extends: true,
        test: {
          name: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name as string,
          root: dir,
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
        },
      })),
      // The repository scripts (plain Node, no workspace package): the ADR check's logic.
      {
        extends: true,
        test: { name: 'scripts', root: join(root, 'scripts'), include: ['lib/**/*.test.mjs'] },
      },
    ],
  },
})
