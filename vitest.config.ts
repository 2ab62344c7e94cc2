import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start real servers and browsers: keep the 2-core machines unhurried.
    maxWorkers: 2,
    projects: [
      // Everything, on the embedded engine (DATA_DIR's files).
      { extends: true, test: { name: 'embedded', include: ['tests/**/*.test.ts'] } },
      // The JSON API suites, the lifecycle, idempotency, maintenance and subscriber journeys, the
      // Statuspage, feed and banner contracts, and the subscription pages, limits and notices again,
      // each Herald on a fresh database of one throwaway PostgreSQL cluster (tests/helpers/engine.ts).
      // (The multi-replica, fault and transfer suites on PostgreSQL are tests/integration/pg-*.test.ts.)
      {
        extends: true,
        test: {
          name: 'postgres',
          include: [
            'tests/api/**/*.test.ts',
            'tests/integration/{foundation-lifecycle,idempotency,maintenance-api,subscribers-journey}.test.ts',
            // Seeded by writing herald.json, imported into the database first (npm run db:import's code).
            'tests/integration/{statuspage-api,feeds,banner-api}.test.ts',
            // Subscribers and email through the pages, the limits and the notices' exact words.
            'tests/integration/{subscribe-limits,notices-golden}.test.ts',
            'tests/e2e/subscribe-pages.test.ts',
          ],
          globalSetup: ['tests/setup/postgres.ts'],
        },
      },
    ],
  },
});
