import { RedlayerError } from '@redlayer/connection'
import { ReplyError } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { isRedisFailure, redisFailureKind } from './redis-failure.js'

function systemError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code })
}

function named(name: string, message: string): Error {
  const error = new Error(message)
  Object.defineProperty(error, 'name', { value: name })
  return error
}

describe('redisFailureKind', () => {
  it.each([
    [new Error('Connection is closed.'), 'connection'],
    [new Error("Stream isn't writeable and enableOfflineQueue options is false"), 'connection'],
    [new Error("Cluster isn't ready and enableOfflineQueue options is false"), 'connection'],
    [systemError('ECONNREFUSED'), 'connection'],
    [systemError('ECONNRESET'), 'connection'],
    [systemError('EPIPE'), 'connection'],
    [
      named('MaxRetriesPerRequestError', 'Reached the max retries per request limit (which is 0).'),
      'connection',
    ],
    [named('ClusterAllFailedError', 'Failed to refresh slots cache.'), 'connection'],
    [new Error('All sentinels are unreachable. Retrying from scratch after 10ms.'), 'connection'],
    [new Error('Command timed out'), 'timeout'],
    [new Error('Too many Cluster redirections. Last error: Error: Command timed out'), 'timeout'],
    [
      new Error('Too many Cluster redirections. Last error: ReplyError: CLUSTERDOWN The cluster is down'),
      'clusterdown',
    ],
    [
      new Error('Too many Cluster redirections. Last error: ReplyError: MOVED 5258 127.0.0.1:7001'),
      'connection',
    ],
    [new Error('Too many Cluster redirections. Last error: Error: Connection is closed.'), 'connection'],
    [new RedlayerError('E_REDIS_TIMEOUT', 'did not settle'), 'timeout'],
    [new ReplyError('LOADING Redis is loading the dataset in memory'), 'loading'],
    [new ReplyError("READONLY You can't write against a read only replica."), 'readonly'],
    [
      new ReplyError('MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to no.'),
      'masterdown',
    ],
    [new ReplyError('CLUSTERDOWN The cluster is down'), 'clusterdown'],
    [new ReplyError('TRYAGAIN Multiple keys request during rehashing of slot'), 'tryagain'],
    [new ReplyError('BUSY Redis is busy running a script.'), 'other'],
    [new RedlayerError('E_REDIS_UNAVAILABLE', 'x', { cause: new Error('Command timed out') }), 'timeout'],
    [new RedlayerError('E_REDIS_UNAVAILABLE', 'x'), 'connection'],
  ] as const)('%s is a Redis failure of kind %s', (error, kind) => {
    expect(redisFailureKind(error)).toBe(kind)
    expect(isRedisFailure(error)).toBe(true)
  })

  it.each([
    new ReplyError('ERR user_script:1: Script attempted to access nonexistent global variable'),
    new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value'),
    new ReplyError('NOSCRIPT No matching script. Please use EVAL.'),
    new ReplyError('BUSYGROUP Consumer Group name already exists'),
    new ReplyError('ERR value is not an integer or out of range'),
    new Error('loader failed: connection is closed by the upstream API'),
    new TypeError('Cannot read properties of undefined'),
    new RedlayerError('E_LOCK_TIMEOUT', 'lock timeout'),
    'Connection is closed.',
    undefined,
    null,
    42,
  ])('%s is not a Redis failure', (error) => {
    expect(redisFailureKind(error)).toBeUndefined()
    expect(isRedisFailure(error)).toBe(false)
  })
})
