export { createRedlayer, Redlayer, type RedlayerOptions } from './redlayer.js'
