import { isRedlayerError } from '@redlayer/connection'
import { startTopology } from '@redlayer/testkit'
import { describe, expect, it } from 'vitest'
import { sessionFixture } from './fixtures.js'

// ADR-0033: on Sentinel, an append can ask the replica to acknowledge it before it returns.
describe('session durability on sentinel', () => {
  it('refuses a WAIT longer than the command timeout', async () => {
    await using topology = await startTopology('standalone')
    await expect(sessionFixture(topology, { durability: { replicas: 1, timeout: 300 } })).rejects.toSatisfy(
      (e: unknown) => isRedlayerError(e, 'E_INVALID_OPTIONS'),
    )
  })

  it('reports how many replicas acknowledged each write', async () => {
    await using topology = await startTopology('sentinel')
    // WAIT must fit in the command timeout; a generous one keeps a loaded machine from failing it.
    await using f = await sessionFixture(topology, { durability: { replicas: 1, timeout: 1500 } }, 2000)
    const { id } = await f.store.create({ appName: 'chat', userId: 'u' })
    const appended = await f.store.appendEvent(id, { type: 'message', data: 'hello' })
    expect(appended).toMatchObject({
      status: 'appended',
      durability: { replicasRequested: 1, replicasAcknowledged: 1, durable: true },
    })
    const updated = await f.store.updateState(id, { topic: 'x' })
    expect(updated).toMatchObject({ status: 'updated', durability: { durable: true } })

    // With the replica stopped, WAIT times out and the result says the write is not durable.
    const [replica] = await topology.group.replicas()
    replica?.pause()
    try {
      const risky = await f.store.appendEvent(id, { type: 'message', data: 'unreplicated' })
      expect(risky).toMatchObject({
        status: 'appended',
        durability: { replicasAcknowledged: 0, durable: false },
      })
    } finally {
      replica?.resume()
    }
  })
})
