// ADR-0040: one table for the report, the status page and deploy/prometheus/alerts.yml.
/**
 * Alert thresholds of the monitoring report and of the Prometheus rules
 * (deploy/prometheus/alerts.yml), from the performance and service notes of the reference
 * material: memory above 80 % (warning) and 90 % (critical) of maxmemory, an error rate above
 * 5 %, operations slower than 50 ms, connection use above 90 %, any eviction, a cache hit ratio
 * below the 80 % target; and the breaker open (ADR-0013).
 */
export const ALERT_THRESHOLDS = {
  memoryWarning: 0.8,
  memoryCritical: 0.9,
  errorRate: 0.05,
  slowOperationMs: 50,
  connectionUse: 0.9,
  hitRatio: 0.8,
  /**
   * The error rate and the p99 are judged only over at least this many operations of the window
   * (a handful of start-up calls, one of them slow on a busy machine, is not an alert; the
   * Prometheus rules wait `for` 2 and 5 minutes instead).
   */
  operationAlertMinOps: 100,
  /** The hit ratio is judged only once this many lookups were made (a cold start is not an alert). */
  hitRatioMinLookups: 100,
  /** Evictions are counted over this window. */
  evictionWindowMs: 5 * 60_000,
} as const

export type AlertThresholds = typeof ALERT_THRESHOLDS
