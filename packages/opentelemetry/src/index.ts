export {
  type InstrumentRedlayerOptions,
  instrumentRedlayer,
  type RedlayerInstrumentation,
} from './instrument-redlayer.js'
