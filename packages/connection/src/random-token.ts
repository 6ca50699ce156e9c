import { randomBytes } from 'node:crypto'

/**
 * Bytes in a token: 128 random bits, so no other holder can ever present the same one (ADR-0030):
 * the lock's holder tokens, the cache's lease tokens, the session store's event ids.
 */
export const TOKEN_BYTES = 16
/** Bytes drawn from the CSPRNG at a time: 1,024 tokens per call. */
const POOL_BYTES = 16 * 1024

let pool = Buffer.alloc(0)
let offset = 0

/**
 * A fresh token: 16 bytes of `crypto.randomBytes`, in hex or base64url. The bytes are drawn 16 KiB
 * at a time and each is handed out once: one `randomBytes(16)` per lock cost as much CPU as the
 * rest of an acquisition's own code (the per-call overhead, not the randomness, dominates), and
 * on the Intel host of 2026-12-03 about 11 µs per session append in `--cpu-prof` (issue 18).
 * Node never forks a process's memory, so no two processes can hold the same pool.
 */
export function randomToken(encoding: 'hex' | 'base64url' = 'hex'): string {
  if (offset + TOKEN_BYTES > pool.length) {
    pool = randomBytes(POOL_BYTES)
    offset = 0
  }
  const token = pool.toString(encoding, offset, offset + TOKEN_BYTES)
  offset += TOKEN_BYTES
  return token
}
