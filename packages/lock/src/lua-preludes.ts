// The shared Lua helpers the lock scripts start with (`LuaScript`'s `prelude`, ADR-0004).

/** The fair-waiting queue's functions (issue 19, ADR-0030). */
export const QUEUE_PRELUDE = new URL('./queue.lua', import.meta.url)

/** `next_fence`, for every script that grants a fenced lease (ADR-0030). */
export const FENCE_PRELUDE = new URL('./fence.lua', import.meta.url)
