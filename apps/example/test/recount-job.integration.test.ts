import { startAppFixture } from './app-fixture.js'
import { describeRecountJob } from './recount-suite.js'

// Over the embedded database (PGlite); the same suite runs over PostgreSQL in
// postgres.integration.test.ts.
describeRecountJob(startAppFixture)
