// ADR-0013's threshold table against GUARD_DEFAULTS of @redlayer/resilience: the record explains
// the defaults, the code applies them; this comparison keeps them equal.
import { plainText } from '../markdown.mjs'
import { duration } from './cell-values.mjs'

const COUNT = /^(\d+(?:\.\d+)?)$/

/** A count ('10'), or a duration ('5s', '1s') in ms. */
function countOrDuration(cell) {
  const match = COUNT.exec(plainText(cell))
  return match ? { value: Number(match[1]) } : duration(cell)
}

export const guardDefaults = {
  adr: '0013',
  what: 'threshold table against GUARD_DEFAULTS',
  columns: ['option', 'default', 'why'],
  rowKey: 'option',
  compared: { default: countOrDuration },
  source: 'packages/resilience/src/guard-options.ts',
  built: 'packages/resilience/dist/guard-options.js',
  buildHint: 'npx pnpm@10.34.8 turbo run build --filter @redlayer/resilience...',

  /** The option rows the code declares: each default, and the backstop's floor. */
  rowsFromModule(module) {
    const defaults = module.GUARD_DEFAULTS
    if (!defaults || typeof defaults.volumeThreshold !== 'number') {
      throw new Error('the module does not export `GUARD_DEFAULTS`')
    }
    return new Map([
      ['volumeThreshold', { default: defaults.volumeThreshold }],
      ['errorThresholdPercentage', { default: defaults.errorThresholdPercentage }],
      ['consecutiveFailures', { default: defaults.consecutiveFailures }],
      ['rollingCountTimeout', { default: defaults.rollingCountTimeoutMs }],
      ['resetTimeout', { default: defaults.resetTimeoutMs }],
      ['commandTimeout', { default: defaults.minCommandTimeoutMs }],
    ])
  },
}
