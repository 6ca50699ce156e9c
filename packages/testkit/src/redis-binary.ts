import { execFileSync } from 'node:child_process'

const INSTALL_HINT =
  'redis-server was not found on PATH. Install it with `sudo apt-get install -y redis-server` ' +
  '(Debian/Ubuntu) or `brew install redis` (macOS), or run `npm test`, which installs it when run as root.'

const cached = new Map<string, string>()

function checked(bin: string): string {
  if (cached.has(bin)) return bin
  try {
    execFileSync(bin, ['--version'], { stdio: 'ignore' })
  } catch {
    throw new Error(INSTALL_HINT.replace('redis-server was', `${bin} was`))
  }
  cached.set(bin, bin)
  return bin
}

/** The redis-server binary (REDLAYER_REDIS_SERVER overrides), checked once per process; throws a message saying how to install it. */
export function redisServerBinary(): string {
  return checked(process.env.REDLAYER_REDIS_SERVER ?? 'redis-server')
}

/** The redis-cli binary (REDLAYER_REDIS_CLI overrides), shipped in the same package as redis-server. */
export function redisCliBinary(): string {
  return checked(process.env.REDLAYER_REDIS_CLI ?? 'redis-cli')
}
