import { execFile } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { startRedis } from '@redlayer/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// Issue 14, ADR-0002: what a registry user gets. Every public package is packed as pnpm publishes
// it, installed with npm into a project outside the workspace (no workspace links, no hoisting
// from it) next to the user's own ioredis at the lowest and the highest supported version, then
// the sample that uses every package is compiled with `tsc --strict` and run against a
// redis-server. The install must hold one ioredis and one prom-client.

const run = promisify(execFile)
const root = fileURLToPath(new URL('../../../', import.meta.url))
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  packageManager: string
}
/** Every public package: its directory under packages/ and its name on the registry. */
const PUBLIC = Object.fromEntries(
  [
    'cache',
    'connection',
    'keyspace',
    'lock',
    'metrics',
    'opentelemetry',
    'ratelimit',
    'resilience',
    'session',
    'redlayer',
  ].map((dir) => [dir, dir === 'redlayer' ? 'redlayer' : `@redlayer/${dir}`]),
)
/** The supported range's ends (ADR-0002): socketTimeout came in 5.4.0; 6 is the current line. */
const IOREDIS_VERSIONS = ['5.4.0', '6.0.0']

let work: string
let tarballs: Record<string, string>

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'redlayer-consumer-'))
  const packed = join(work, 'tarballs')
  mkdirSync(packed)
  tarballs = {}
  for (const [dir, name] of Object.entries(PUBLIC)) {
    // The package's own pnpm, as `pnpm publish` would: workspace:* becomes the version, and
    // publishConfig replaces the workspace-only exports.
    const { stdout } = await run(
      'npx',
      ['--yes', rootManifest.packageManager, 'pack', '--pack-destination', packed, '--json'],
      { cwd: join(root, 'packages', dir), maxBuffer: 16 * 1024 * 1024 },
    )
    tarballs[name] = (JSON.parse(stdout) as { filename: string }).filename
  }
}, 240_000)

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

/** Every installed copy of a package (its directories under node_modules, at any depth). */
function copiesOf(dir: string, name: string): string[] {
  const found: string[] = []
  const walk = (modules: string) => {
    let entries: string[]
    try {
      entries = readdirSync(modules)
    } catch {
      return
    }
    for (const entry of entries) {
      const scoped = entry.startsWith('@')
      const children = scoped
        ? readdirSync(join(modules, entry)).map((child) => `${entry}/${child}`)
        : [entry]
      for (const child of children) {
        const path = join(modules, child)
        if (child === name) found.push(path)
        walk(join(path, 'node_modules'))
      }
    }
  }
  walk(join(dir, 'node_modules'))
  return found
}

describe.each(IOREDIS_VERSIONS)("with the user's own ioredis %s", (ioredisVersion) => {
  it('installs with one ioredis and one prom-client, compiles with tsc --strict and runs', async () => {
    const project = join(work, `ioredis-${ioredisVersion}`)
    mkdirSync(project)
    const local = Object.fromEntries(Object.entries(tarballs).map(([name, file]) => [name, `file:${file}`]))
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({
        name: 'consumer',
        private: true,
        type: 'module',
        dependencies: {
          ...local,
          ioredis: ioredisVersion,
          'prom-client': '15.1.3',
          '@opentelemetry/api': '1.10.0',
        },
        // The tarballs name each other by version (0.1.0): point those at the tarballs too.
        overrides: local,
      }),
    )
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          target: 'es2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          outDir: 'dist',
          skipLibCheck: false,
          types: ['node'],
          typeRoots: [join(root, 'node_modules/@types')],
        },
        include: ['sample.ts'],
      }),
    )
    cpSync(fileURLToPath(new URL('../sample/sample.ts', import.meta.url)), join(project, 'sample.ts'))
    await run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline'], {
      cwd: project,
      maxBuffer: 16 * 1024 * 1024,
    })

    expect(copiesOf(project, 'ioredis')).toHaveLength(1)
    expect(copiesOf(project, 'prom-client')).toHaveLength(1)
    const installed = JSON.parse(readFileSync(join(project, 'node_modules/ioredis/package.json'), 'utf8'))
    expect(installed.version).toBe(ioredisVersion)
    for (const name of Object.values(PUBLIC)) {
      const manifest = JSON.parse(readFileSync(join(project, `node_modules/${name}/package.json`), 'utf8'))
      expect(JSON.stringify(manifest), `${name}: nothing workspace-only`).not.toMatch(
        /workspace:|@redlayer\/source/,
      )
      expect(manifest, name).toMatchObject({
        license: 'MIT',
        sideEffects: false,
        engines: { node: expect.any(String) },
      })
      expect(manifest.repository?.url, name).toEqual(expect.any(String))
    }

    const tsc = join(root, 'node_modules/typescript/bin/tsc')
    await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project }).catch((error) => {
      throw new Error(`tsc --strict failed:\n${error.stdout}${error.stderr}`)
    })

    await using server = await startRedis()
    const { stdout } = await run(process.execPath, ['dist/sample.js'], {
      cwd: project,
      env: { ...process.env, REDIS_URL: server.url },
      timeout: 60_000,
    })
    expect(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}')).toEqual({
      cache: true,
      ratelimit: 'true,true,false',
      lock: true,
      session: true,
      health: true,
      metrics: true,
      redlayer: { name: 'lamp' },
    })
  }, 300_000)
})
