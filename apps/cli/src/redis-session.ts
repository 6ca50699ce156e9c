import { createRedis, type RedisClient, type RedisConfig, RedlayerError } from '@redlayer/connection'

// Time beyond the connect timeout for the handshake that follows it (AUTH, INFO, CLUSTER SLOTS).
const HANDSHAKE_MARGIN_MS = 1_000

/**
 * Connects for one command and resolves once the client is ready. The CLI does not wait out an
 * outage the way a service does: the first connection error, or no `ready` within the connect
 * timeout, is `E_REDIS_UNAVAILABLE` (exit code 3). The message comes from ioredis (an address
 * and an errno, never a password).
 */
export async function openRedis(config: RedisConfig, signal: AbortSignal): Promise<RedisClient> {
  signal.throwIfAborted()
  const client = createRedis(config, { connectionName: 'redlayer-cli' })
  // Keeps ioredis from printing the errors of later reconnect attempts; the first one is reported below.
  client.on('error', () => {})
  let timer: NodeJS.Timeout | undefined
  let onAbort: (() => void) | undefined
  try {
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () => reject(unavailable(`no answer within ${config.connectTimeoutMs + HANDSHAKE_MARGIN_MS} ms`)),
        config.connectTimeoutMs + HANDSHAKE_MARGIN_MS,
      )
      timer.unref()
      client.once('ready', () => resolve())
      client.once('error', (error: Error) => reject(unavailable(error.message, error)))
      onAbort = () => reject(signal.reason)
      signal.addEventListener('abort', onAbort, { once: true })
    })
    return client
  } catch (error) {
    client.disconnect()
    throw error
  } finally {
    clearTimeout(timer)
    if (onAbort) signal.removeEventListener('abort', onAbort)
  }
}

function unavailable(reason: string, cause?: Error): RedlayerError<'E_REDIS_UNAVAILABLE'> {
  return new RedlayerError('E_REDIS_UNAVAILABLE', `cannot reach Redis: ${reason}`, cause ? { cause } : {})
}
