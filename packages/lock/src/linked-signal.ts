/**
 * A signal that aborts when any of `signals` does, with the first one's reason, and that lets go
 * of them when disposed. Used instead of `AbortSignal.any`, which keeps every signal derived from
 * a long-lived source (the manager's own) reachable for as long as that source lives on some
 * Node 20 releases: a service acquiring locks all day would accumulate them.
 */
export function linkSignals(signals: readonly AbortSignal[]): { readonly signal: AbortSignal } & Disposable {
  const controller = new AbortController()
  const aborted = signals.find((signal) => signal.aborted)
  if (aborted !== undefined) {
    controller.abort(aborted.reason)
    return { signal: controller.signal, [Symbol.dispose]: () => undefined }
  }
  const listeners = signals.map((signal) => {
    const listener = () => controller.abort(signal.reason)
    signal.addEventListener('abort', listener, { once: true })
    return () => signal.removeEventListener('abort', listener)
  })
  return {
    signal: controller.signal,
    [Symbol.dispose]: () => {
      for (const remove of listeners) remove()
    },
  }
}
