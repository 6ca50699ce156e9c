// redlock 5.0.0-beta.2 ships types, but its `exports` map does not point to them, so TypeScript
// (NodeNext) cannot see them. The part of its API the bench uses, as its dist/index.d.ts declares it.
declare module 'redlock' {
  import type { EventEmitter } from 'node:events'
  import type { Cluster, Redis } from 'ioredis'

  export interface Lock {
    release(): Promise<unknown>
  }

  export interface Settings {
    driftFactor: number
    retryCount: number
    retryDelay: number
    retryJitter: number
    automaticExtensionThreshold: number
  }

  // biome-ignore lint/style/noDefaultExport: this declares redlock's own default export
  export default class Redlock extends EventEmitter {
    constructor(clients: Iterable<Redis | Cluster>, settings?: Partial<Settings>)
    acquire(resources: string[], duration: number, settings?: Partial<Settings>): Promise<Lock>
  }
}
