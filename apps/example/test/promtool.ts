import { spawnSync } from 'node:child_process'

/**
 * Runs Prometheus's `promtool` (Debian package `prometheus`; `npm test` installs it when run as
 * root). Fails with what to do when it is missing, rather than skipping the check.
 */
export function promtool(args: readonly string[], input?: string): { status: number; output: string } {
  const result = spawnSync('promtool', args, { input, encoding: 'utf8', timeout: 30_000 })
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(
      'promtool is not installed: it checks /metrics and the alert rules. Install it and run again:\n' +
        '  Debian/Ubuntu: sudo apt-get install -y prometheus   (npm test does this itself as root)\n' +
        '  macOS:         brew install prometheus',
    )
  }
  if (result.error) throw result.error
  return { status: result.status ?? 1, output: `${result.stdout}${result.stderr}` }
}
