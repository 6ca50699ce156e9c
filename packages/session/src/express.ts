export { type ExpressSessionStoreOptions, RedlayerExpressStore } from './express-store.js'
