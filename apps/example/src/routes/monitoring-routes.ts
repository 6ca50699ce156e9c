import type { FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'
import { buildMonitoringReport, type MonitoringSources } from '../monitoring/monitoring-report.js'

/** `/metrics` (Prometheus text of the app's registry) and `/monitoring/redis` (the performance report). */
export function monitoringRoutes(registry: Registry, sources: MonitoringSources) {
  return async (app: FastifyInstance) => {
    app.get('/metrics', async (_request, reply) => {
      const text = await registry.metrics()
      return reply.type(registry.contentType).send(text)
    })
    app.get('/monitoring/redis', async (_request, reply) => {
      reply.header('cache-control', 'no-store')
      return buildMonitoringReport(sources)
    })
  }
}
