import { context, SpanStatusCode } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { type DataPoint, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics'
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace'
import { createCache } from '@redlayer/cache'
import { createRedis, parseRedisConfig } from '@redlayer/connection'
import { redlayerChannels } from '@redlayer/connection/diagnostics'
import { defineKeyspace } from '@redlayer/keyspace'
import { createRedisGuard } from '@redlayer/resilience'
import { startRedis } from '@redlayer/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { instrumentRedlayer } from '../src/index.js'

/** A reader the test collects from on demand. */
class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

const contextManager = new AsyncLocalStorageContextManager()
// What an app's OpenTelemetry set-up does: the active span follows the async calls.
beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable())
})
afterAll(() => {
  context.disable()
})

async function points(reader: TestReader, name: string): Promise<DataPoint<unknown>[]> {
  const { resourceMetrics } = await reader.collect()
  const metric = resourceMetrics.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .find((m) => m.descriptor.name === name)
  return (metric?.dataPoints ?? []) as DataPoint<unknown>[]
}

describe('instrumentRedlayer against a real redis-server', () => {
  it('gives a span per Redis operation and loader, under the caller span, and the redlayer.* instruments', async () => {
    await using server = await startRedis()
    const redis = createRedis(parseRedisConfig({ url: server.url }))
    const exporter = new InMemorySpanExporter()
    const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] })
    const reader = new TestReader()
    const meterProvider = new MeterProvider({ readers: [reader] })
    using _instrumentation = instrumentRedlayer({ tracerProvider, meterProvider })
    await using guard = createRedisGuard({ redis })
    const keyspace = defineKeyspace({
      prefix: 'otel',
      namespaces: {
        entity: {
          kind: 'cache',
          flushClass: 'safe',
          whenRedisDown: 'serve-stale',
          ttl: { default: '1m', min: '1s', max: '1h' },
        },
      },
    })
    await using cache = createCache({ redis, keyspace, namespace: 'entity', guard })
    try {
      const tracer = tracerProvider.getTracer('test')
      await tracer.startActiveSpan('GET /users/42', async (request) => {
        expect(await cache.getOrSet('user-42', async () => ({ id: 42 }))).toEqual({ id: 42 })
        request.end()
      })
      await expect(
        cache.getOrSet('user-43', async () => Promise.reject(new Error('database down'))),
      ).rejects.toThrow('database down')
      await expect(
        guard.run('test.script', () => redis.eval('return redis.error_reply("boom")', 0)),
      ).rejects.toThrow()

      const spans = exporter.getFinishedSpans()
      const request = spans.find((span) => span.name === 'GET /users/42')
      const underRequest = spans.filter(
        (span) => span.parentSpanContext?.spanId === request?.spanContext().spanId,
      )
      expect(underRequest.map((span) => span.name)).toEqual(
        expect.arrayContaining(['cache.get', 'cache.load']),
      )
      const get = spans.find((span) => span.name === 'cache.get')
      expect(get?.attributes).toMatchObject({
        'db.system.name': 'redis',
        'redlayer.operation': 'cache.get',
        'redlayer.breaker': 'redis',
        'redlayer.outcome': 'ok',
      })
      const failedLoad = spans
        .filter((span) => span.name === 'cache.load')
        .find((span) => span.status.code === SpanStatusCode.ERROR)
      expect(failedLoad?.status.message).toBe('Error') // the error's class, never its message
      const script = spans.find((span) => span.name === 'test.script')
      expect(script?.attributes).toMatchObject({
        'redlayer.outcome': 'error',
        'redlayer.error_kind': 'other',
      })
      expect(script?.status.code).toBe(SpanStatusCode.ERROR)
      // No key, id or value in any attribute.
      for (const span of spans)
        expect(JSON.stringify(span.attributes)).not.toMatch(/user-4[23]|otel:|database down/)

      const durations = await points(reader, 'redlayer.redis.operation.duration')
      expect(durations.some((p) => p.attributes['redlayer.operation'] === 'cache.get')).toBe(true)
      const lookups = await points(reader, 'redlayer.cache.lookups')
      expect(lookups.find((p) => p.attributes['redlayer.result'] === 'miss')?.value).toBe(2)
      const loads = await points(reader, 'redlayer.cache.loader.duration')
      expect(loads.map((p) => p.attributes['redlayer.outcome']).sort()).toEqual(['error', 'ok'])
      const errors = await points(reader, 'redlayer.redis.errors')
      expect(errors.find((p) => p.attributes['redlayer.operation'] === 'test.script')?.value).toBe(1)
    } finally {
      redis.disconnect()
    }
  })

  it('records the breaker state and stops at close', async () => {
    const reader = new TestReader()
    const instrumentation = instrumentRedlayer({
      meterProvider: new MeterProvider({ readers: [reader] }),
      spans: false,
    })
    redlayerChannels.breakerState.publish({ breaker: 'primary', state: 'open', previous: 'closed' })
    const [state] = await points(reader, 'redlayer.breaker.state')
    expect(state).toMatchObject({ value: 2, attributes: { 'redlayer.breaker': 'primary' } })
    expect((await points(reader, 'redlayer.breaker.transitions'))[0]?.value).toBe(1)
    instrumentation.close()
    expect(redlayerChannels.breakerState.hasSubscribers).toBe(false)
    expect(redlayerChannels.redisOperation.hasSubscribers).toBe(false)
  })
})
