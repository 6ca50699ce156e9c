import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// ADR-0015: docker-compose.yml runs Sentinel with the settings the tests run with, by mounting
// packages/testkit/config/*.conf rather than copying them. Docker is not needed: this reads the
// file's bind mounts and checks they name files of this repository.
const root = fileURLToPath(new URL('../..', import.meta.url))
const compose = readFileSync(join(root, 'docker-compose.yml'), 'utf8')
const bindMounts = [
  ...compose.matchAll(/^\s*(?:-\s+|x-redis-config:\s+&\S+\s+)(\.\/[^:\s]+):([^:\s]+)(?::ro)?\s*$/gm),
].map((match) => ({ source: match[1] ?? '', target: match[2] ?? '' }))

describe('docker-compose.yml', () => {
  it('bind-mounts only files that exist in the repository, read-only', () => {
    expect(bindMounts.length).toBeGreaterThan(0)
    for (const mount of bindMounts) expect(existsSync(join(root, mount.source)), mount.source).toBe(true)
    expect(compose.match(/^\s*-?\s*(?:&\S+\s+)?\.\/\S+:\S+$/gm)?.every((line) => line.endsWith(':ro'))).toBe(
      true,
    )
  })

  it('mounts the testkit config files that the Sentinel profile uses, and the shared data-node settings', () => {
    const sources = new Set(bindMounts.map((mount) => mount.source))
    expect(sources).toContain('./deploy/redis/redis.conf')
    // Exactly the testkit files the Sentinel profile needs (other profiles mount files of their own).
    expect(new Set([...sources].filter((source) => source.startsWith('./packages/testkit/')))).toEqual(
      new Set(['./packages/testkit/config/redis-primary.conf', './packages/testkit/config/sentinel.conf']),
    )
  })

  it('runs the data nodes with a memory limit, noeviction and AOF (deploy/redis/redis.conf)', () => {
    const conf = readFileSync(join(root, 'deploy/redis/redis.conf'), 'utf8')
    expect(conf).toMatch(/^maxmemory \d+mb$/m)
    expect(conf).toMatch(/^maxmemory-policy noeviction$/m)
    expect(conf).toMatch(/^appendonly yes$/m)
  })
})
