export type { ExpressSerializer, ExpressSessionStoreOptions } from './express-options.js'
export { RedlayerExpressStore } from './express-store.js'
