import { execFile, execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { startRedis } from '@redlayer/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// Issue 14: every TypeScript block of every README is complete (it defines what it uses) and
// compiles with the workspace's strict settings; a block fenced ```ts run also runs, against a
// redis-server of its own, and must exit 0. Blocks are compiled together, against the packages'
// source, in a directory inside this package (so that the workspace resolves their imports).

const run = promisify(execFile)
const root = fileURLToPath(new URL('../../../', import.meta.url))
const here = fileURLToPath(new URL('..', import.meta.url))

interface Block {
  readonly readme: string
  readonly line: number
  readonly code: string
  readonly runs: boolean
  file: string
}

/** Every README of the repository (tracked, or new and not ignored). Synchronous: it decides the tests. */
function readmes(): string[] {
  const listed = execFileSync(
    'git',
    ['ls-files', '--cached', '--others', '--exclude-standard', '*README.md'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  )
  return listed.split('\n').filter((path) => path !== '' && !path.includes('node_modules'))
}

function blocksOf(readme: string): Block[] {
  const lines = readFileSync(join(root, readme), 'utf8').split('\n')
  const blocks: Block[] = []
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(ts|typescript)( run)?\s*$/.exec(lines[i] as string)
    if (!fence) continue
    const start = i + 1
    let end = start
    while (end < lines.length && lines[end] !== '```') end++
    blocks.push({
      readme,
      line: start + 1,
      code: lines.slice(start, end).join('\n'),
      runs: fence[2] !== undefined,
      file: '',
    })
    i = end
  }
  return blocks
}

const blocks = readmes().flatMap(blocksOf)
let dir: string

beforeAll(() => {
  dir = mkdtempSync(join(here, '.readme-examples-'))
  blocks.forEach((block, index) => {
    block.file = join(dir, `${block.readme.replace(/[/.]/g, '_')}_${index}.ts`)
    // `export {}` makes every block a module, so that top-level await and names stay its own. A
    // block that runs and says `new Redis()` ("your Redis") gets the test's own server instead.
    const code = block.runs
      ? block.code.replaceAll('new Redis()', 'new Redis(process.env.REDIS_URL as string)')
      : block.code
    writeFileSync(block.file, `${code}\nexport {}\n`)
  })
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: relative(dir, join(root, 'tsconfig.base.json')),
      compilerOptions: { noEmit: true, customConditions: ['@redlayer/source'] },
      include: ['*.ts'],
    }),
  )
})

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('the READMEs', () => {
  it('have TypeScript blocks', () => {
    expect(blocks.length).toBeGreaterThan(10)
  })

  it('compile, every block, with tsc --strict', async () => {
    const tsc = join(root, 'node_modules/typescript/bin/tsc')
    const result = await run(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { cwd: dir }).then(
      () => '',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    )
    // Each error names the README and the line it is on, not the generated file.
    const located = result.replace(/^(\S+\.ts)\((\d+),(\d+)\)/gm, (_, file: string, line: string) => {
      const block = blocks.find((candidate) => candidate.file.endsWith(file.split('/').at(-1) as string))
      return block ? `${block.readme}:${block.line + Number(line) - 1}` : file
    })
    expect(located).toBe('')
  }, 120_000)

  const runnable = blocks.filter((block) => block.runs)
  it.each(runnable.map((block) => [`${block.readme}:${block.line}`, block] as const))(
    'run: %s',
    async (_where, block) => {
      await using server = await startRedis()
      await run(process.execPath, ['--conditions=@redlayer/source', '--import', 'tsx', block.file], {
        cwd: dir,
        env: { ...process.env, REDIS_URL: server.url },
        timeout: 60_000,
      })
    },
    90_000,
  )
})
