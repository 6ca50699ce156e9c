import { describe, expect, it } from 'vitest'
import { linkSignals } from './linked-signal.js'

describe('linkSignals', () => {
  it('aborts with the reason of the first source that aborts', () => {
    const a = new AbortController()
    const b = new AbortController()
    const linked = linkSignals([a.signal, b.signal])
    expect(linked.signal.aborted).toBe(false)
    b.abort('b first')
    a.abort('a second')
    expect(linked.signal.reason).toBe('b first')
  })

  it('is aborted at once when a source already is', () => {
    const a = new AbortController()
    a.abort('early')
    expect(linkSignals([new AbortController().signal, a.signal]).signal.reason).toBe('early')
  })

  it('lets go of its sources when disposed', () => {
    const source = new AbortController()
    const linked = linkSignals([source.signal])
    linked[Symbol.dispose]()
    source.abort('late')
    expect(linked.signal.aborted).toBe(false)
  })
})
