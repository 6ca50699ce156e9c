const ADDRESS_IN_USE = /Address already in use/

/** True when a process failed to start because another process took its probed port meanwhile. */
export function isPortClash(error: unknown): boolean {
  return error instanceof Error && ADDRESS_IN_USE.test(error.message)
}

/**
 * Runs `start` again (with fresh ports) when it failed on a port clash: between probing a free
 * port and redis-server binding it, another test on the machine may take it.
 */
export async function retryOnPortClash<T>(start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start()
    } catch (error) {
      if (!isPortClash(error) || attempt >= attempts) throw error
    }
  }
}
