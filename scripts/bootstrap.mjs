#!/usr/bin/env node
// The two commands of the README, from a fresh clone:
//   npm start  -> install, build, run the example app
//   npm test   -> install, build, lint, type-check, ADR check, every test
//   npm run bench -> install, build, the benchmarks (`-- --topology cluster`: the Cluster figure)
//   npm run bench:ioredis5 -> the benchmarks again on the ioredis 5 line, in a copy of the tree as
//                             test:ioredis5 makes it; the report is bench/results/ioredis5.json
//   npm run test:chaos -> install, the chaos matrix: every data package on every topology through
//                         every fault of the fault model (REDLAYER_CHAOS=full), then its table
//   npm run test:failover -> install, the failover measurements of every data package on Sentinel
//                            and Cluster (REDLAYER_FAILOVER=full), then the measured tables (ADR-0015)
//   npm run test:ioredis5 -> the whole suite again on the ioredis 5 line (ADR-0002), in a copy of
//                            the tree whose install overrides ioredis
//   npm run release -> install, build, then `pnpm publish -r --dry-run`: what a release would
//                      publish (the README's "Releasing" says how to publish for real)
// Each step says what it runs; the first failing step stops the run with its exit code.
import { spawn, spawnSync } from 'node:child_process'
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { arch, constants, cpus, platform, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { formatMeasurements } from './lib/measurement-tables.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const command = process.argv[2]
const extra = process.argv.slice(3)
const { packageManager } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
/** The newest ioredis of the 5 line, for `test:ioredis5` (ADR-0002). */
const IOREDIS_5 = '5.11.1'

function run(title, bin, args, env = {}, cwd = root) {
  console.log(`\n▶ ${title}: ${[bin, ...args].join(' ')}`)
  const result = spawnSync(bin, args, { cwd, stdio: 'inherit', env: { ...process.env, ...env } })
  if (result.error) throw result.error
  return result.status ?? 1
}

/**
 * Runs a long-lived program (the app, the benchmarks) as a child and passes on SIGINT, SIGTERM
 * and SIGHUP, so that a process manager, `timeout` or an IDE's stop button that signals
 * `npm start` stops the program too (spawnSync would leave it running); exits as the child does.
 */
function serve(title, bin, args) {
  console.log(`\n▶ ${title}: ${[bin, ...args].join(' ')}`)
  const child = spawn(bin, args, { cwd: root, stdio: 'inherit' })
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal))
  // npm runs this through `sh -c`, and sh does not pass a SIGTERM on: npm's signal ends the
  // shell and leaves this process orphaned. An orphan stops the program as a SIGTERM would.
  const parent = process.ppid
  setInterval(() => {
    if (process.ppid !== parent) child.kill('SIGTERM')
  }, 250).unref()
  child.on('error', (error) => {
    console.error(`\n✖ ${title}: ${error.message}`)
    process.exit(1)
  })
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)))
}

function must(title, bin, args, env, cwd) {
  const status = run(title, bin, args, env, cwd)
  if (status !== 0) {
    console.error(`\n✖ ${title} failed (exit ${status})`)
    process.exit(status)
  }
}

// The pinned pnpm (package.json `packageManager`), fetched from the npm registry by npx.
const pnpm = (args) => ['npx', ['--yes', packageManager, ...args]]

// A program the tests run, from its Debian package when missing and running as root on Debian;
// otherwise a clear message and exit 1.
function ensureProgram({ program, versionArgs, debianPackage, why, macos }) {
  const probe = spawnSync(program, versionArgs, { stdio: 'ignore' })
  if (probe.status === 0) return
  const isRoot = process.getuid?.() === 0
  const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0
  if (isRoot && hasApt) {
    const title = `install ${program} (Debian package ${debianPackage})`
    must(title, 'apt-get', ['update', '-qq'])
    must(title, 'apt-get', ['install', '-y', '-qq', '--no-install-recommends', debianPackage], {
      DEBIAN_FRONTEND: 'noninteractive',
    })
    return
  }
  console.error(
    `\n✖ ${program} is not installed, and ${why}.\n` +
      '  Install it, then run this command again:\n' +
      `    Debian/Ubuntu: sudo apt-get install -y ${debianPackage}\n` +
      `    macOS:         ${macos}\n` +
      '  (npm test installs it by itself when run as root on Debian.)',
  )
  process.exit(1)
}

const REDIS_SERVER = {
  program: 'redis-server',
  versionArgs: ['--version'],
  debianPackage: 'redis-server',
  why: 'the tests start their own redis-server processes',
  macos: 'brew install redis',
}
// The example app's tests check /metrics and the alert rules with promtool...
const PROMTOOL = {
  program: 'promtool',
  versionArgs: ['--version'],
  debianPackage: 'prometheus',
  why: "the example app's tests check /metrics and the alert rules with promtool",
  macos: 'brew install prometheus',
}
// ...and open its status page in headless Chromium (playwright-core drives /usr/bin/chromium).
const CHROMIUM = {
  program: 'chromium',
  versionArgs: ['--version'],
  debianPackage: 'chromium',
  why: "the example app's tests open its status page in headless Chromium",
  macos:
    'brew install --cask chromium, then CHROMIUM_PATH=/Applications/Chromium.app/Contents/MacOS/Chromium',
}

// Kill every redis-server the testkit started in this run that is still alive (a worker that
// crashed or was killed cannot dispose its own), then remove the run directory.
function killLeftovers(runDir) {
  if (!existsSync(runDir)) return
  for (const file of readdirSync(runDir)) {
    const pid = Number.parseInt(file, 10)
    if (!Number.isInteger(pid)) continue
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      if (cmdline.includes('redis-server')) {
        process.kill(pid, 'SIGCONT')
        process.kill(pid, 'SIGKILL')
        console.log(`  killed leftover redis-server ${pid}`)
      }
    } catch {
      // already gone
    }
  }
  rmSync(runDir, { recursive: true, force: true })
}

/**
 * ADR-0002: the workspace installs ioredis 6; the suite (and the bench) must also run on the 5
 * line. A copy of the tree (tracked and untracked files, not ignored ones), installed with ioredis
 * overridden and built; exits when the install holds any other ioredis. `cleanup` removes the copy
 * and any redis-server its run left.
 */
function ioredis5Copy() {
  const copy = mkdtempSync(join(tmpdir(), 'redlayer-ioredis5-'))
  const files = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  })
    .stdout.split('\0')
    .filter((file) => file !== '' && existsSync(join(root, file)))
  for (const file of files) cpSync(join(root, file), join(copy, file), { recursive: true })
  appendFileSync(join(copy, 'pnpm-workspace.yaml'), `overrides:\n  ioredis: ${IOREDIS_5}\n`)
  const runDir = mkdtempSync(join(tmpdir(), 'redlayer-testkit-run-'))
  const cleanup = () => {
    killLeftovers(runDir)
    rmSync(copy, { recursive: true, force: true })
  }
  process.on('SIGINT', () => {
    cleanup()
    process.exit(130)
  })
  must(`install with ioredis ${IOREDIS_5}`, ...pnpm(['install', '--no-frozen-lockfile']), {}, copy)
  const installed = readdirSync(join(copy, 'node_modules/.pnpm')).filter((dir) => dir.startsWith('ioredis@'))
  if (installed.length !== 1 || installed[0] !== `ioredis@${IOREDIS_5}`) {
    console.error(`\n✖ the copy installed ${installed.join(', ')}, not ioredis@${IOREDIS_5} alone`)
    cleanup()
    process.exit(1)
  }
  console.log(`\n  installed: ${installed[0]} (and no other ioredis)`)
  must('build', ...pnpm(['turbo', 'run', 'build', '--output-logs=new-only']), {}, copy)
  return { copy, runDir, cleanup }
}

must('install dependencies (lockfile)', ...pnpm(['install', '--frozen-lockfile']))

switch (command) {
  case 'test': {
    for (const program of [REDIS_SERVER, PROMTOOL, CHROMIUM]) ensureProgram(program)
    // Packages build without type checking (tsc --noCheck); the whole workspace is then
    // type-checked once, as one program, which costs a fraction of a check per package.
    must('build', ...pnpm(['turbo', 'run', 'build', '--output-logs=new-only']))
    must('type-check', ...pnpm(['tsc', '-p', 'tsconfig.json']))
    must('lint and format check', ...pnpm(['biome', 'ci', '.']))
    must('ADR check', 'node', ['scripts/check-adrs.mjs'])
    const runDir = mkdtempSync(join(tmpdir(), 'redlayer-testkit-run-'))
    const cleanup = () => killLeftovers(runDir)
    process.on('SIGINT', () => {
      cleanup()
      process.exit(130)
    })
    const status = run('tests', ...pnpm(['vitest', 'run', ...extra]), { REDLAYER_TESTKIT_RUN_DIR: runDir })
    cleanup()
    process.exit(status)
    break
  }
  case 'test:failover':
  case 'test:chaos': {
    ensureProgram(REDIS_SERVER)
    const chaos = command === 'test:chaos'
    const runDir = mkdtempSync(join(tmpdir(), 'redlayer-testkit-run-'))
    const resultsDir = mkdtempSync(join(tmpdir(), 'redlayer-failover-'))
    const cleanup = () => {
      killLeftovers(runDir)
      rmSync(resultsDir, { recursive: true, force: true })
    }
    process.on('SIGINT', () => {
      cleanup()
      process.exit(130)
    })
    // One file at a time: the failover windows are measured, so the tests must not compete for
    // the cores with each other.
    const status = run(
      chaos ? 'chaos matrix' : 'failover measurements',
      ...pnpm([
        'vitest',
        'run',
        '--no-file-parallelism',
        chaos ? 'chaos.integration' : 'failover.integration',
        ...extra,
      ]),
      {
        ...(chaos ? { REDLAYER_CHAOS: 'full' } : { REDLAYER_FAILOVER: 'full' }),
        REDLAYER_FAILOVER_RESULTS: resultsDir,
        REDLAYER_TESTKIT_RUN_DIR: runDir,
      },
    )
    const redis = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout.trim()
    const [cpu] = cpus()
    console.log(
      `\n## ${chaos ? 'Chaos matrix' : 'Measured failover behaviour'}\n\n${new Date().toISOString()}, ${platform()} ${arch()}, ` +
        `${cpus().length} × ${cpu?.model.trim() ?? 'unknown CPU'}, Node ${process.version}, ${redis}\n` +
        `Command: npm run ${command}${extra.length > 0 ? ` -- ${extra.join(' ')}` : ''}\n\n` +
        formatMeasurements(resultsDir),
    )
    cleanup()
    process.exit(status)
    break
  }
  case 'test:ioredis5': {
    for (const program of [REDIS_SERVER, PROMTOOL, CHROMIUM]) ensureProgram(program)
    const { copy, runDir, cleanup } = ioredis5Copy()
    // The consumer test installs its own ioredis versions: it is not about the workspace's.
    const status = run(
      `tests on ioredis ${IOREDIS_5}`,
      ...pnpm(['vitest', 'run', '--project', '!@redlayer/consumer', ...extra]),
      { REDLAYER_TESTKIT_RUN_DIR: runDir },
      copy,
    )
    cleanup()
    process.exit(status)
    break
  }
  case 'bench:ioredis5': {
    ensureProgram(REDIS_SERVER)
    const { copy, runDir, cleanup } = ioredis5Copy()
    const out = join(root, 'bench/results/ioredis5.json')
    const status = run(
      `benchmarks on ioredis ${IOREDIS_5}`,
      'node',
      ['bench/dist/main.js', '--out', out, ...extra],
      { REDLAYER_TESTKIT_RUN_DIR: runDir },
      copy,
    )
    cleanup()
    process.exit(status)
    break
  }
  case 'release': {
    must('build', ...pnpm(['turbo', 'run', 'build', '--output-logs=new-only']))
    must(
      'publish every public package (dry run)',
      ...pnpm(['publish', '-r', '--dry-run', '--no-git-checks', '--access', 'public', ...extra]),
    )
    break
  }
  case 'start': {
    must('build', ...pnpm(['turbo', 'run', 'build', '--output-logs=new-only']))
    serve('example app', 'node', ['apps/example/dist/main.js', ...extra])
    break
  }
  case 'bench': {
    ensureProgram(REDIS_SERVER)
    must('build', ...pnpm(['turbo', 'run', 'build', '--output-logs=new-only']))
    serve('benchmarks', 'node', ['bench/dist/main.js', ...extra])
    break
  }
  default:
    console.error(
      'usage: node scripts/bootstrap.mjs start|test|test:failover|test:chaos|test:ioredis5|release|bench|bench:ioredis5 [args...]',
    )
    process.exit(2)
}
