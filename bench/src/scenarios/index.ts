import type { Scenario } from '../scenario.js'
import { cacheHit } from './cache-hit.js'
import { cacheL1 } from './cache-l1.js'
import { degraded } from './degraded.js'
import { expressSession } from './express-session.js'
import { guardBudget } from './guard-budget.js'
import { lockAcquire } from './lock-acquire.js'
import { lockHandoff } from './lock-handoff.js'
import { memory } from './memory.js'
import { ratelimit } from './ratelimit.js'
import { sessionAppend } from './session-append.js'
import { sessionLength } from './session-length.js'
import { stampede } from './stampede.js'

/** Every scenario, in the order a full run takes them (degraded last but one: it stops the server). */
export const SCENARIOS: readonly Scenario[] = [
  guardBudget,
  cacheHit,
  cacheL1,
  stampede,
  ratelimit,
  lockAcquire,
  lockHandoff,
  sessionAppend,
  sessionLength,
  expressSession,
  memory,
  degraded,
]
