import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { checkAdrs, formatProblems } from './adr-check.mjs'
import { adrId } from './adr-records.mjs'
import { keyspaceNamespaces } from './drift/keyspace-namespaces.mjs'
import { recordText } from './test-support.mjs'

// A whole repository in a temporary directory, checked as `npm test` checks this one. Record
// numbers are built with adrId() so that this file cites no record that does not exist.
const roots = []
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true })
})

function repo(files) {
  const root = mkdtempSync(join(tmpdir(), 'redlayer-adr-check-'))
  roots.push(root)
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), content)
  }
  return root
}

const index = (rows) => ['# ADRs', '', '| ADR | Title | Status |', '|---|---|---|', ...rows, ''].join('\n')
const TEMPLATE = recordText({ number: 'NNNN' })

// The namespace table of the keyspace record, in the exact columns the comparison looks for.
const NAMESPACE_HEADER = `| ${keyspaceNamespaces.columns.join(' | ')} |`
const nsTable = (rows) =>
  [NAMESPACE_HEADER, `|${'---|'.repeat(keyspaceNamespaces.columns.length)}`, ...rows].join('\n')
const ENTITY_ROW = '| `entity` | `entity` | entity reads | 5m | 1s | 15m | safe | bypass | 64 MiB |'
const LOCK_ROW = '| `lock` | `lock` | locks | 30s | - | 5m | forbidden | fail-closed | - |'

function keyspaceModule(namespaces) {
  return `export const exampleKeyspace = { namespaces: ${JSON.stringify(namespaces)} }\n`
}
const ENTITY = {
  name: 'entity',
  prefix: 'entity',
  ttl: { defaultMs: 300_000, minMs: 1_000, maxMs: 900_000, mode: 'absolute' },
  flushClass: 'safe',
  whenRedisDown: 'bypass',
  memoryBudgetBytes: 64 * 1024 * 1024,
}
const LOCK = {
  name: 'lock',
  prefix: 'lock',
  ttl: { defaultMs: 30_000, minMs: 1, maxMs: 300_000, mode: 'absolute' },
  flushClass: 'forbidden',
  whenRedisDown: 'fail-closed',
}

function goodRepo(extra = {}) {
  return {
    'adr/template.md': TEMPLATE,
    'adr/0001-record-decisions.md': recordText({ number: '0001', title: 'Record decisions' }),
    'adr/0002-use-redis.md': recordText({ number: '0002', title: 'Use Redis', status: 'proposed' }),
    'adr/README.md': index([
      '| [0001](0001-record-decisions.md) | Record decisions | accepted |',
      '| [0002](0002-use-redis.md) | Use Redis | proposed |',
    ]),
    'packages/thing/package.json': '{}',
    'packages/thing/README.md': `# thing\n\nADRs: ${adrId(1)}, ${adrId(2)}\n`,
    'packages/thing/src/index.ts': `// ${adrId(2)}: why\nexport const x = 1\n`,
    'packages/thing/src/script.lua': `-- ${adrId(2)}: one slot\nreturn 1\n`,
    'apps/tool/package.json': '{}',
    'apps/tool/README.md': `# tool\n\n**ADRs:** [${adrId(1)}](../../adr/0001-record-decisions.md)\n`,
    'README.md': `See ${adrId(1)}.\n`,
    ...extra,
  }
}

const lines = async (root, options) => formatProblems((await checkAdrs(root, options)).problems)

describe('checkAdrs on a whole repository', () => {
  it('passes a consistent repository and counts what it read', async () => {
    const result = await checkAdrs(repo(goodRepo()), { driftChecks: [] })
    expect(result.problems).toEqual([])
    expect(result.summary).toEqual({ records: 2, citations: 6, citingFiles: 9, readmes: 2, comparisons: 0 })
  })

  it('reports citations of missing records in code, Lua and docs, but not in node_modules or dist', async () => {
    const missing = adrId(42)
    const root = repo(
      goodRepo({
        'packages/thing/src/more.ts': `const a = 1\n// ${missing}: nope\n`,
        'packages/thing/src/more.lua': `-- ${missing}\n`,
        'docs/guide.md': `text\n\nsee ${missing}\n`,
        'scripts/tool.mjs': `// ${missing}\n`,
        'packages/thing/node_modules/dep/README.md': `${missing}\n`,
        'packages/thing/dist/index.js': `// ${missing}\n`,
        'notes.txt': `${missing}\n`,
      }),
    )
    expect(await lines(root, { driftChecks: [] })).toEqual([
      `docs/guide.md:3: cites ${missing}, which has no file in adr/`,
      `packages/thing/src/more.lua:1: cites ${missing}, which has no file in adr/`,
      `packages/thing/src/more.ts:2: cites ${missing}, which has no file in adr/`,
      `scripts/tool.mjs:1: cites ${missing}, which has no file in adr/`,
    ])
  })

  it('reports package READMEs that are missing, lack the ADRs line, or name no record', async () => {
    const root = repo(
      goodRepo({
        'packages/bare/package.json': '{}',
        'packages/bare/src/index.ts': 'export {}\n',
        'packages/planned/package.json': '{}',
        'packages/silent/package.json': '{}',
        'packages/silent/README.md': '# silent\n',
        'packages/vague/package.json': '{}',
        'packages/vague/README.md': '# vague\n\nADRs: later\n',
        'packages/not-a-package/README.md': '# no package.json, not checked\n',
      }),
    )
    const result = await checkAdrs(root, { driftChecks: [] })
    expect(result.notes).toEqual(['packages/planned: no README checked, the package has no source yet'])
    expect(formatProblems(result.problems)).toEqual([
      'packages/bare/README.md: missing: every package has a README with an "ADRs:" line',
      'packages/silent/README.md: no "ADRs: ADR-NNNN, ..." line',
      'packages/vague/README.md: the "ADRs:" line names no ADR-NNNN',
    ])
  })

  it('reports stray files, twin numbers, a missing supersessor, a stale index and a broken template', async () => {
    const root = repo(
      goodRepo({
        'adr/notes.md': 'scratch\n',
        'adr/0002-use-valkey.md': recordText({
          number: '0002',
          title: 'Use Valkey',
          status: `superseded by ${adrId(9)}`,
        }),
        'adr/template.md': '# NNNN. Title\n',
      }),
    )
    expect(await lines(root, { driftChecks: [] })).toEqual([
      `adr/0002-use-valkey.md: ${adrId(2)} is also adr/0002-use-redis.md`,
      `adr/0002-use-valkey.md: superseded by ${adrId(9)}, which has no file in adr/`,
      `adr/0002-use-valkey.md:3: cites ${adrId(9)}, which has no file in adr/`,
      'adr/notes.md: not a record name (adr/NNNN-kebab-title.md), nor README.md or template.md',
      `adr/README.md:6: ${adrId(2)} links to "0002-use-redis.md", the file is "0002-use-valkey.md"`,
      `adr/README.md:6: ${adrId(2)} title "Use Redis" differs from the file's "Use Valkey"`,
      `adr/README.md:6: ${adrId(2)} status "proposed" differs from the file's "superseded by ${adrId(9)}"`,
      ...[
        'Context and Problem Statement',
        'Considered Options',
        'Decision Outcome',
        'Consequences',
        'Confirmation',
      ].map((name) => `adr/template.md: missing section "## ${name}"`),
    ])
  })

  it('reports a missing adr/ directory, index and template', async () => {
    const root = repo({ 'README.md': 'nothing\n' })
    expect(await lines(root, { driftChecks: [] })).toEqual([
      'adr/: the adr/ directory is missing',
      'adr/README.md: missing: the index of records',
      'adr/template.md: missing: new records start from the template',
    ])
  })
})

describe('table drift: the keyspace record against the example keyspace', () => {
  const keyspaceRecord = (table) =>
    `${recordText({ number: '0011', title: 'Keyspace' })}\n## Namespaces\n\n${table}\n`
  const withKeyspace = (files) =>
    goodRepo({
      'adr/README.md': index([
        '| [0001](0001-record-decisions.md) | Record decisions | accepted |',
        '| [0002](0002-use-redis.md) | Use Redis | proposed |',
        '| [0011](0011-keyspace.md) | Keyspace | accepted |',
      ]),
      ...files,
    })

  it('passes when the table and the built module agree, reading "-" as the keyspace defaults', async () => {
    const root = repo(
      withKeyspace({
        'adr/0011-keyspace.md': keyspaceRecord(nsTable([ENTITY_ROW, LOCK_ROW])),
        'apps/example/src/keyspace.ts': 'source\n',
        'apps/example/dist/keyspace.js': keyspaceModule([ENTITY, LOCK]),
      }),
    )
    const result = await checkAdrs(root)
    expect(result.problems).toEqual([])
    expect(result.summary.comparisons).toBe(1)
  })

  it('reports every drifted cell, unreadable cells and rows on one side only', async () => {
    const root = repo(
      withKeyspace({
        'adr/0011-keyspace.md': keyspaceRecord(
          nsTable([
            '| entity | `entity` | entity reads | 10m | 1s | 15m | disruptive | bypass | 64 MB |',
            '| ai | `ai` | model answers | 1h | - | - | safe | bypass | - |',
          ]),
        ),
        'apps/example/src/keyspace.ts': 'source\n',
        'apps/example/dist/keyspace.js': keyspaceModule([ENTITY, LOCK]),
      }),
    )
    const id = adrId(11)
    expect(await lines(root)).toEqual([
      `adr/0011-keyspace.md:28: ${id}: namespace "lock" of apps/example/src/keyspace.ts is missing from the table`,
      `adr/0011-keyspace.md:30: ${id}: namespace "entity", budget: cannot read "64 MB" as a byte size (write e.g. 512 KiB, 64 MiB, 1 GiB or -)`,
      `adr/0011-keyspace.md:30: ${id}: namespace "entity", ttl default: the table says 600000 ms, apps/example/src/keyspace.ts says 300000 ms`,
      `adr/0011-keyspace.md:30: ${id}: namespace "entity", flush class: the table says "disruptive", apps/example/src/keyspace.ts says "safe"`,
      `adr/0011-keyspace.md:31: ${id}: namespace "ai" is in the table but not in apps/example/src/keyspace.ts`,
    ])
  })

  it('fails when the table exists without the code, or the code is not built or built before its source changed', async () => {
    const table = keyspaceRecord(nsTable([ENTITY_ROW]))
    const noCode = repo(withKeyspace({ 'adr/0011-keyspace.md': table }))
    expect(await lines(noCode)).toEqual([
      `adr/0011-keyspace.md:28: ${adrId(11)} namespace table against exampleKeyspace: the table exists but apps/example/src/keyspace.ts does not`,
    ])
    const notBuilt = repo(
      withKeyspace({ 'adr/0011-keyspace.md': table, 'apps/example/src/keyspace.ts': 'x\n' }),
    )
    expect(await lines(notBuilt)).toEqual([
      expect.stringMatching(
        /^apps\/example\/dist\/keyspace\.js: .* is not built from apps\/example\/src\/keyspace\.ts; build first/,
      ),
    ])
    const stale = repo(
      withKeyspace({
        'adr/0011-keyspace.md': table,
        'apps/example/src/keyspace.ts': 'x\n',
        'apps/example/dist/keyspace.js': keyspaceModule([ENTITY]),
      }),
    )
    const past = new Date(Date.now() - 60_000)
    utimesSync(join(stale, 'apps/example/dist/keyspace.js'), past, past)
    expect(await lines(stale)).toEqual([
      expect.stringMatching(/is older than apps\/example\/src\/keyspace\.ts/),
    ])
  })

  it('fails when the code exists but the record has no table, and only notes it while neither exists', async () => {
    const noTable = repo(
      withKeyspace({
        'adr/0011-keyspace.md': recordText({ number: '0011', title: 'Keyspace' }),
        'apps/example/src/keyspace.ts': 'x\n',
      }),
    )
    expect(await lines(noTable)).toEqual([
      expect.stringMatching(
        /^adr\/0011-keyspace\.md: no table with the columns \| namespace \| prefix .*must mirror apps\/example\/src\/keyspace\.ts$/,
      ),
    ])
    const neither = await checkAdrs(repo(goodRepo()))
    expect(neither.problems).toEqual([])
    expect(neither.notes).toEqual([
      `${adrId(11)} namespace table against exampleKeyspace: skipped, ${adrId(11)} has no file yet`,
      `${adrId(11)} namespace kinds table against NAMESPACE_KIND_DEFAULTS: skipped, ${adrId(11)} has no file yet`,
      `${adrId(13)} threshold table against GUARD_DEFAULTS: skipped, ${adrId(13)} has no file yet`,
    ])
  })

  it('reports a built module that does not export the keyspace', async () => {
    const root = repo(
      withKeyspace({
        'adr/0011-keyspace.md': keyspaceRecord(nsTable([ENTITY_ROW])),
        'apps/example/src/keyspace.ts': 'x\n',
        'apps/example/dist/keyspace.js': 'export const other = 1\n',
      }),
    )
    expect(await lines(root)).toEqual([
      expect.stringMatching(/cannot read the code's values: the module does not export `exampleKeyspace`/),
    ])
  })
})
