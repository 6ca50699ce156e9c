export { REDLAYER_ERROR_CODES, type RedlayerErrorCode } from './errors.js'
export { createRedlayer, Redlayer, type RedlayerOptions } from './redlayer.js'
