/**
 * Starts every resource in parallel. When one fails, waits for the others to settle, disposes
 * those that started (none is left running unowned) and rethrows the first failure.
 */
export async function startAll<T extends AsyncDisposable>(starts: readonly Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(starts)
  const started = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
  const failed = results.find((result) => result.status === 'rejected')
  if (failed) {
    await disposeAll(started)
    throw failed.reason
  }
  return started
}

/** Disposes every resource in parallel, even when some fail; rethrows the first failure. */
export async function disposeAll(resources: readonly AsyncDisposable[]): Promise<void> {
  const results = await Promise.allSettled(resources.map((resource) => resource[Symbol.asyncDispose]()))
  const failed = results.find((result) => result.status === 'rejected')
  if (failed) throw failed.reason
}
