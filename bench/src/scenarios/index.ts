import type { Scenario } from '../scenario.js'
import { cacheHit } from './cache-hit.js'

/** Every scenario, in the order a full run takes them. */
export const SCENARIOS: readonly Scenario[] = [cacheHit]
