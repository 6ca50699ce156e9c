import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { checkAdrs, formatProblems } from './adr-check.mjs'
import { adrId } from './adr-records.mjs'
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

const lines = (root) => formatProblems(checkAdrs(root).problems)

describe('checkAdrs on a whole repository', () => {
  it('passes a consistent repository and counts what it read', async () => {
    const result = checkAdrs(repo(goodRepo()))
    expect(result.problems).toEqual([])
    expect(result.summary).toEqual({ records: 2, citations: 6, citingFiles: 9, readmes: 2 })
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
    expect(await lines(root)).toEqual([
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
    const result = checkAdrs(root)
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
    expect(await lines(root)).toEqual([
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
    expect(await lines(root)).toEqual([
      'adr/: the adr/ directory is missing',
      'adr/README.md: missing: the index of records',
      'adr/template.md: missing: new records start from the template',
    ])
  })
})
