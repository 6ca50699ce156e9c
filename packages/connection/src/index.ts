export { isRedlayerError, RedlayerError } from './errors.js'
