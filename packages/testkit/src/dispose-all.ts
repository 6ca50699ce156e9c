/** Disposes every resource in parallel, even when some fail; rethrows the first failure. */
export async function disposeAll(resources: readonly AsyncDisposable[]): Promise<void> {
  const results = await Promise.allSettled(resources.map((resource) => resource[Symbol.asyncDispose]()))
  const failed = results.find((result) => result.status === 'rejected')
  if (failed) throw failed.reason
}
