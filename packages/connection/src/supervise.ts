import type { RedisClient } from './create-redis.js'
import { reconnectDelayMs } from './reconnect-delay.js'

/** Where a supervised client stands, as readiness checks report it. */
export interface ClientReadiness {
  /** True while the client can send commands (`status` is `ready`). */
  readonly ready: boolean
  /** ioredis' status (`ready`, `connect`, `reconnecting`, `end`...). */
  readonly status: string
  /**
   * False when it cannot serve and nothing will bring it back by itself (closed by its owner, or
   * ended without a supervisor): the one state in which a readiness endpoint should fail.
   */
  readonly recovering: boolean
  /** Why it cannot serve now; absent while ready. */
  readonly reason?: string
  /** Times the supervisor brought an ended client back (ADR-0010). */
  readonly revivals: number
}

interface Supervision {
  closedOnPurpose: boolean
  revivals: number
  attempt: number
  timer: NodeJS.Timeout | undefined
}

const supervised = new WeakMap<RedisClient, Supervision>()

/**
 * Makes sure `client` never stays dead (ADR-0010). ioredis ends a client for good in a few paths
 * its retry strategy never sees (a connector that rejects during a Sentinel failover, a connection
 * closed during the handshake: redis/ioredis#2099); the supervisor notices an `end` the owner did
 * not ask for (`quit()` or `disconnect()` on this client) and connects it again, with the same
 * capped, jittered backoff as a reconnect. The same client object comes back, so every package
 * holding it follows. `createRedis()` and `duplicateForBlocking()` supervise their clients; call
 * it for a client of your own. Idempotent; returns the client.
 */
export function superviseRedis<C extends RedisClient>(client: C): C {
  if (supervised.has(client)) return client
  const state: Supervision = { closedOnPurpose: false, revivals: 0, attempt: 0, timer: undefined }
  supervised.set(client, state)
  // The owner's own closes are the only ends to respect: ioredis reconnects itself with
  // `disconnect(true)`, and every close it makes on its own without `true` is one of these two.
  const { quit, disconnect, connect } = client
  const onPurpose = () => {
    state.closedOnPurpose = true
    if (state.timer !== undefined) clearTimeout(state.timer)
    state.timer = undefined
  }
  Object.assign(client, {
    quit(this: C, ...args: unknown[]) {
      onPurpose()
      return (quit as (...a: unknown[]) => unknown).apply(this, args)
    },
    disconnect(this: C, reconnect?: boolean) {
      if (reconnect !== true) onPurpose()
      return disconnect.call(this, reconnect)
    },
    connect(this: C, ...args: unknown[]) {
      state.closedOnPurpose = false
      return (connect as (...a: unknown[]) => unknown).apply(this, args)
    },
  })
  client.on('ready', () => {
    state.attempt = 0
  })
  client.on('end', () => {
    if (state.closedOnPurpose || state.timer !== undefined) return
    state.attempt++
    // Not from inside the `end` handler: ioredis is still finishing the close (ioredis#928).
    state.timer = setTimeout(() => {
      state.timer = undefined
      if (state.closedOnPurpose || client.status !== 'end') return
      state.revivals++
      // A failed connect ends the client again, and the next `end` schedules the next attempt.
      connect.call(client).catch(() => undefined)
    }, reconnectDelayMs(state.attempt))
    state.timer.unref()
  })
  return client
}

/**
 * Whether `client` can serve commands now, and why not. For `checkRedisHealth` and readiness
 * endpoints: a client that ended on its own and is being revived is not ready, with the reason.
 */
export function clientReadiness(client: RedisClient): ClientReadiness {
  const state = supervised.get(client)
  const revivals = state?.revivals ?? 0
  const status = client.status
  if (status === 'ready') return { ready: true, recovering: true, status, revivals }
  if (status !== 'end')
    return { ready: false, recovering: true, status, reason: `the client is ${status}`, revivals }
  if (state === undefined) {
    const reason = 'the client has ended and is not supervised: it will not reconnect'
    return { ready: false, recovering: false, status, reason, revivals }
  }
  return state.closedOnPurpose
    ? { ready: false, recovering: false, status, reason: 'the client was closed', revivals }
    : {
        ready: false,
        recovering: true,
        status,
        reason: 'the client ended on its own; the supervisor is connecting it again',
        revivals,
      }
}
