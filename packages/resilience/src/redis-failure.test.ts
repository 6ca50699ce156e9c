import { RedlayerError } from '@redlayer/connection'
import { ReplyError } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { isRedisFailure, isRedisUnavailableError, redisFailureKind, redisFailureOf } from './redis-failure.js'

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
    [new ReplyError('BUSY Redis is busy running a script.'), 'busy'],
    [new ReplyError("OOM command not allowed when used memory > 'maxmemory'."), 'oom'],
    [
      new ReplyError(
        "OOM command not allowed when used memory > 'maxmemory'. script: 4b25bfd5015488d9dc52d6e0db68989b98811d25, on @user_script:1.",
      ),
      'oom',
    ],
    [
      new ReplyError(
        'MISCONF Redis is configured to save RDB snapshots, but it is currently not able to persist on disk.',
      ),
      'misconf',
    ],
    [new ReplyError('NOREPLICAS Not enough good replicas to write.'), 'noreplicas'],
    [new ReplyError('ERR max number of clients reached'), 'maxclients'],
    [new ReplyError('NOAUTH Authentication required.'), 'auth'],
    [new ReplyError('WRONGPASS invalid username-password pair or user is disabled.'), 'auth'],
    [new RedlayerError('E_REDIS_FULL', 'x', { cause: new ReplyError('OOM command not allowed') }), 'oom'],
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
    new ReplyError("NOPERM User app has no permissions to run the 'flushall' command"),
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

describe('redisFailureOf: what a failure means for the breaker and for the caller (ADR-0013)', () => {
  it.each([
    // Not serving anyone for now: counts toward the breaker; a reply means nothing was applied.
    [new ReplyError('LOADING Redis is loading the dataset in memory'), true, 'not-applied'],
    [new ReplyError('BUSY Redis is busy running a script.'), true, 'not-applied'],
    [new ReplyError('ERR max number of clients reached'), true, 'not-applied'],
    [new ReplyError('WRONGPASS invalid username-password pair or user is disabled.'), true, 'not-applied'],
    // Refusals of writes or of one slot: degrade the call, leave the breaker closed.
    [new ReplyError("OOM command not allowed when used memory > 'maxmemory'."), false, 'not-applied'],
    [new ReplyError('MISCONF Redis is configured to save RDB snapshots'), false, 'not-applied'],
    [new ReplyError('NOREPLICAS Not enough good replicas to write.'), false, 'not-applied'],
    [new ReplyError('TRYAGAIN Multiple keys request during rehashing of slot'), false, 'not-applied'],
    // Never left the process.
    [new Error("Stream isn't writeable and enableOfflineQueue options is false"), true, 'not-applied'],
    [systemError('ECONNREFUSED'), true, 'not-applied'],
    // Sent (or possibly sent) and no reply: it may still be applied.
    [new Error('Command timed out'), true, 'unknown'],
    [new RedlayerError('E_REDIS_TIMEOUT', 'did not settle'), true, 'unknown'],
    [new Error('Connection is closed.'), true, 'unknown'],
    [systemError('ECONNRESET'), true, 'unknown'],
    [
      named('MaxRetriesPerRequestError', 'Reached the max retries per request limit (which is 0).'),
      true,
      'unknown',
    ],
    [new Error('Too many Cluster redirections. Last error: Error: Command timed out'), true, 'unknown'],
    [
      new Error(
        "Too many Cluster redirections. Last error: ReplyError: OOM command not allowed when used memory > 'maxmemory'.",
      ),
      false,
      'not-applied',
    ],
  ] as const)('%s: counts %s, outcome %s', (error, counts, outcome) => {
    expect(redisFailureOf(error)).toMatchObject({ counts, outcome })
  })

  it("recognises the guard's own errors by code, also from another copy of the package", () => {
    expect(isRedisUnavailableError(new RedlayerError('E_REDIS_FULL', 'full'))).toBe(true)
    expect(isRedisUnavailableError(new RedlayerError('E_REDIS_UNAVAILABLE', 'down'))).toBe(true)
    expect(isRedisUnavailableError(new RedlayerError('E_LOCK_TIMEOUT', 'contended'))).toBe(false)
    expect(isRedisUnavailableError(new ReplyError('OOM command not allowed'))).toBe(false)
  })
})
