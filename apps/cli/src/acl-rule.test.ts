import { defineKeyspace } from '@redlayer/keyspace'
import { describe, expect, it } from 'vitest'
import { ACL_COMMAND_RULES, buildAclRule } from './acl-rule.js'

const keyspace = defineKeyspace({
  prefix: 'shop',
  namespaces: {
    cache: {
      prefix: 'cache',
      description: 'c',
      ttl: { default: '1m' },
      flushClass: 'safe',
      whenRedisDown: 'bypass',
    },
    query: {
      prefix: 'cache:query',
      description: 'q',
      ttl: { default: '1m' },
      flushClass: 'safe',
      whenRedisDown: 'bypass',
    },
  },
})

describe('buildAclRule', () => {
  it('resets the user, then grants the namespaces as key and channel patterns, then the commands', () => {
    const rule = buildAclRule('svc', [keyspace.namespace('cache'), keyspace.namespace('query')])
    expect(rule.rules).toEqual([
      'reset',
      'on',
      '~shop:cache::*',
      '~shop:cache:query::*',
      '&shop:cache::*',
      '&shop:cache:query::*',
      ...ACL_COMMAND_RULES,
    ])
    expect(rule.command).toBe(`ACL SETUSER svc ${rule.rules.join(' ')}`)
    expect(rule.namespaces).toEqual(['cache', 'query'])
  })

  it('never grants what redlayer does not use, and takes -@dangerous away after the categories', () => {
    const rules: readonly string[] = ACL_COMMAND_RULES
    for (const command of ['+keys', '+flushdb', '+flushall', '+config', '+@all', '+@dangerous', '+@admin'])
      expect(rules).not.toContain(command)
    expect(rules.indexOf('-@dangerous')).toBeGreaterThan(rules.indexOf('+@write'))
    expect(rules.indexOf('+info')).toBeGreaterThan(rules.indexOf('-@dangerous'))
    expect(rules[0]).toBe('-@all')
  })

  it('confines a nested namespace to itself: cache does not reach cache:query', () => {
    const rule = buildAclRule('svc', [keyspace.namespace('cache')])
    expect(rule.keyPatterns).toEqual(['~shop:cache::*'])
    expect(keyspace.key('query', 'x').startsWith('shop:cache::')).toBe(false)
  })
})
