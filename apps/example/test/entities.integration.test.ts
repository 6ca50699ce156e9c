import { startAppFixture } from './app-fixture.js'
import { describeEntityEndpoints } from './entity-suite.js'

// Over the embedded database (PGlite), as `npm start` without DATABASE_URL; the same suite runs
// over PostgreSQL in postgres.integration.test.ts.
describeEntityEndpoints(startAppFixture)
