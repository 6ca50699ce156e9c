import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { listFiles, packageDirs } from './repo-files.mjs'

// ADR-0006: the layout rules that a reviewer would otherwise check by eye.
const root = fileURLToPath(new URL('../..', import.meta.url))
const manifest = (dir) => JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'))
const lines = (path) => readFileSync(join(root, path), 'utf8').split('\n').length - 1
const dependsOn = (dir) => Object.keys({ ...manifest(dir).dependencies, ...manifest(dir).peerDependencies })

const DATA = ['packages/cache', 'packages/ratelimit', 'packages/lock', 'packages/session']
const LAYER_OF = {
  'packages/connection': [],
  'packages/keyspace': ['@redlayer/connection'],
  'packages/resilience': ['@redlayer/connection'],
  'packages/metrics': ['@redlayer/connection'],
  'packages/opentelemetry': ['@redlayer/connection'],
  ...Object.fromEntries(
    DATA.map((dir) => [dir, ['@redlayer/connection', '@redlayer/keyspace', '@redlayer/resilience']]),
  ),
}

describe('the layout (ADR-0006)', () => {
  it('no source file of a package holds more than 400 lines', () => {
    const long = packageDirs(root, 'packages')
      .flatMap((dir) =>
        listFiles(root, `${dir}/src`, (name) => name.endsWith('.ts') && !name.endsWith('.test.ts')),
      )
      .map((path) => ({ path, lines: lines(path) }))
      .filter((file) => file.lines > 400)
    expect(long).toEqual([])
  })

  it('each public entry fits on one screen (45 lines)', () => {
    const publicDirs = packageDirs(root, 'packages').filter((dir) => manifest(dir).private !== true)
    expect(publicDirs.length).toBeGreaterThanOrEqual(10)
    const long = publicDirs
      .map((dir) => ({ dir, lines: lines(`${dir}/src/index.ts`) }))
      .filter((entry) => entry.lines > 45)
    expect(long).toEqual([])
  })

  it('each package depends only on the layers above it; the data packages never on each other', () => {
    for (const [dir, allowed] of Object.entries(LAYER_OF)) {
      const redlayer = dependsOn(dir).filter((name) => name.startsWith('@redlayer/'))
      expect({ dir, redlayer }).toEqual({ dir, redlayer: redlayer.filter((name) => allowed.includes(name)) })
    }
    for (const dir of DATA) {
      expect({ dir, deps: dependsOn(dir) }).toEqual({
        dir,
        deps: dependsOn(dir).filter((name) => !['@redlayer/metrics', 'prom-client'].includes(name)),
      })
    }
    expect(dependsOn('apps/cli')).not.toContain('@redlayer/example')
  })
})
