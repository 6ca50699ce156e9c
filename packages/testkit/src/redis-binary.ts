import { execFileSync } from 'node:child_process'

const INSTALL_HINT =
  'redis-server was not found on PATH. Install it with `sudo apt-get install -y redis-server` ' +
  '(Debian/Ubuntu) or `brew install redis` (macOS), or run `npm test`, which installs it when run as root.'

let cached: string | undefined

/** The redis-server binary, checked once per process; throws a message saying how to install it. */
export function redisServerBinary(): string {
  if (cached) return cached
  const bin = process.env.REDLAYER_REDIS_SERVER ?? 'redis-server'
  try {
    execFileSync(bin, ['--version'], { stdio: 'ignore' })
  } catch {
    throw new Error(INSTALL_HINT)
  }
  cached = bin
  return bin
}
