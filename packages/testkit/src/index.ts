export { type AdminTarget, type NodeAddress, withAdminClient } from './admin-client.js'
export { adrTable } from './adr-table.js'
export { type ClusterNode, ownsSlot } from './cluster-node.js'
export { serverScriptCalls } from './command-stats.js'
export { CONFIG_DIR, type SharedConfigName, sharedConfig } from './config-files.js'
export { errorCodesIn } from './error-codes.js'
export { serverErrorCounts } from './error-stats.js'
export {
  type CallOutcome,
  errorKind,
  FailoverProbe,
  type FailoverProbeOptions,
  type FailoverReport,
  type ProbeCall,
} from './failover-probe.js'
export {
  type BreakerLike,
  type FailoverRun,
  type FailoverRunOptions,
  failoverViolations,
  recordFailover,
  runFailover,
} from './failover-run.js'
export { type FaultMode, FaultProxy, startFaultProxy } from './fault-proxy.js'
export { freePort, freePorts } from './free-port.js'
export { type LossTrial, type LossTrialOptions, runLossTrial } from './loss-trial.js'
export {
  FAILOVER_TOPOLOGIES,
  type FailoverMode,
  type FailoverTopology,
  failoverMode,
  failoverRuns,
  type MeasurementRow,
  recordMeasurement,
} from './measurements.js'
export { fillMemory, type MemoryPressure } from './memory-pressure.js'
export { type MigrationPhase, type MigrationRedirects, migrateSlotUnderUse } from './migrate-under-use.js'
export { percentile } from './percentile.js'
export type { WaitOptions } from './poll.js'
export {
  type FailoverSettings,
  failoverBoundMs,
  failoverSettings,
  failPrimary,
  PRIMARY_FAULTS,
  type PrimaryFault,
  type PrimaryFaultKind,
} from './primary-fault.js'
export { redisCliBinary, redisServerBinary } from './redis-binary.js'
export { CLUSTER_SLOTS, type ClusterOptions, RedisCluster, startCluster } from './redis-cluster.js'
export { RedisProcess, type RedisProcessOptions, startRedis } from './redis-process.js'
export { SentinelGroup, type SentinelGroupOptions, startSentinelGroup } from './sentinel-group.js'
export { SlotMigration } from './slot-migration.js'
export { makeTestCertificates, type TestCertificates, tlsEnv } from './tls-certificates.js'
export {
  type ClusterTopology,
  type SentinelTopology,
  type StandaloneTopology,
  startTopology,
  TOPOLOGIES,
  type Topology,
  type TopologyKind,
  type TopologyOf,
  type TopologyOptions,
  topologiesFromEnv,
} from './topology.js'
export { expectNoUnhandledRejections } from './unhandled-rejections.js'
export { useTopology } from './use-topology.js'
