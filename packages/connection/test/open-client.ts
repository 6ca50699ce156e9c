import { type CreateRedisOverrides, createRedis, type RedisClient, type RedisConfig } from '../src/index.js'

/** A client from `createRedis`, ready, disconnected when the test ends (`await using`). */
export interface OpenClient<C extends RedisClient = RedisClient> extends AsyncDisposable {
  client: C
  /** The errors the client emitted (ioredis reports connection trouble as `error` events). */
  errors: Error[]
}

/** Creates a client and waits for its first `ready` (bounded), so a test starts from a known state. */
export async function openClient(config: RedisConfig, overrides?: CreateRedisOverrides): Promise<OpenClient> {
  const client = createRedis(config, overrides)
  const errors: Error[] = []
  client.on('error', (error: Error) => errors.push(error))
  const dispose = async () => {
    client.disconnect()
  }
  try {
    if (client.status !== 'ready') await nextEvent(client, 'ready')
  } catch (error) {
    await dispose()
    throw new Error(`client did not become ready; errors: ${errors.map((e) => e.message).join('; ')}`, {
      cause: error,
    })
  }
  return { client, errors, [Symbol.asyncDispose]: dispose }
}

/**
 * Resolves when `client` emits `event`, bounded so that a broken test fails instead of hanging.
 * Unlike `events.once`, an `error` event meanwhile does not reject: a reconnecting client emits them.
 */
export function nextEvent(client: RedisClient, event: string, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off(event, onEvent)
      reject(new Error(`no '${event}' event within ${timeoutMs} ms (status ${client.status})`))
    }, timeoutMs)
    timer.unref()
    const onEvent = () => {
      clearTimeout(timer)
      resolve()
    }
    client.once(event, onEvent)
  })
}
