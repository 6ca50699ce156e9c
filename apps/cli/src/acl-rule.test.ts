import { defineKeyspace } from '@redlayer/keyspace'
import { describe, expect, it } from 'vitest'
import { ACL_CONNECTION_COMMANDS, ACL_PACKAGE_COMMANDS, buildAclRule } from './acl-rule.js'

const keyspace = defineKeyspace({
  prefix: 'shop',
  namespaces: {
    cache: { kind: 'cache' },
    query: { kind: 'cache', prefix: 'cache:query' },
    buckets: { kind: 'ratelimit' },
    sessions: { kind: 'session' },
  },
})
const use = (name: 'cache' | 'query' | 'buckets' | 'sessions') => {
  const ns = keyspace.namespace(name)
  return { ns, kind: ns.kind ?? 'cache' }
}

describe('buildAclRule', () => {
  it('resets the user, then grants the namespaces as key and channel patterns, then only the commands', () => {
    const rule = buildAclRule('svc', [use('cache'), use('query')])
    expect(rule.rules.slice(0, 7)).toEqual([
      'reset',
      'on',
      '~shop:cache::*',
      '~shop:cache:query::*',
      '&shop:cache::*',
      '&shop:cache:query::*',
      '-@all',
    ])
    expect(rule.rules.slice(7)).toEqual(rule.commands.map((command) => `+${command}`))
    expect(new Set(rule.commands)).toEqual(
      new Set([...ACL_CONNECTION_COMMANDS, ...ACL_PACKAGE_COMMANDS.cache]),
    )
    expect(rule.command).toBe(`ACL SETUSER svc ${rule.rules.join(' ')}`)
    expect(rule).toMatchObject({ namespaces: ['cache', 'query'], packages: ['cache'] })
  })

  it('gives each package its own commands only: no channels and no hash or list commands for the limiter', () => {
    const limiter = buildAclRule('svc', [use('buckets')])
    expect(limiter.channelPatterns).toEqual([])
    expect(limiter.commands).not.toContain('subscribe')
    expect(limiter.commands).not.toContain('hset')
    expect(limiter.commands).not.toContain('scan')
    const sessions = buildAclRule('svc', [use('sessions')])
    expect(sessions.channelPatterns).toEqual([])
    expect(sessions.commands).toEqual(expect.arrayContaining(['hset', 'rpush', 'zadd', 'sadd']))
    expect(sessions.commands).not.toContain('publish')
  })

  it('never grants what redlayer does not use: no category, no KEYS, FLUSH*, CONFIG, ACL, DEBUG', () => {
    const all = buildAclRule('svc', [
      use('cache'),
      use('buckets'),
      use('sessions'),
      { ns: keyspace.namespace('cache'), kind: 'lock' },
    ])
    for (const command of [
      'keys',
      'flushdb',
      'flushall',
      'config',
      'acl',
      'debug',
      'shutdown',
      'script',
      'eval_ro',
    ])
      expect(all.commands).not.toContain(command)
    expect(all.rules.filter((rule) => rule.startsWith('+@'))).toEqual([])
    expect(all.packages).toEqual(['cache', 'ratelimit', 'session', 'lock'])
  })

  it('confines a nested namespace to itself: cache does not reach cache:query', () => {
    const rule = buildAclRule('svc', [use('cache')])
    expect(rule.keyPatterns).toEqual(['~shop:cache::*'])
    expect(keyspace.key('query', 'x').startsWith('shop:cache::')).toBe(false)
  })
})
