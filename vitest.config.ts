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
      // The same suites again on PostgreSQL: every Herald a test starts (tests/helpers/server.ts, app.ts)
      // gets a fresh database of one throwaway cluster (tests/helpers/engine.ts), data a test wrote into
      // its DATA_DIR imported first, as `npm run db:import` does. Left out: the body limit and the layout
      // suite (reasons below), and, because what they test is the embedded engine's own files: the journals and herald.json on a full or read-only disk and at start, the sender's outcomes a write refused, the crash harness that
      // checks herald.json after each SIGKILL, the SIGKILL in the middle of a journal fan-out (the shared
      // outbox's kill is tests/integration/pg-outbox.test.ts), and the first start's DATA_DIR files (the
      // demo seed, the admin-token file, the one-instance lock). The pg-* suites start clusters of their own.
      {
        extends: true,
        test: {
          name: 'postgres',
          include: ['tests/api/**/*.test.ts', 'tests/integration/**/*.test.ts', 'tests/e2e/**/*.test.ts'],
          exclude: [
            'tests/integration/pg-*.test.ts',
            'tests/integration/{full-disk-journals,storage-failure,start-checks,crash-safety,outbox-crash,foundation-process,unwritten-outcomes}.test.ts',
            // The HTTP body limit is the same code on both engines; its RSS bound is measured on the embedded one.
            'tests/integration/body-limits.test.ts',
            // Layout, target sizes, axe and HTML validity (of the history pages too), the designer's items one
            // by one, and the XSS corpus in embed.js: how pages and the banner look, drawn from the same data on
            // either engine (seeded through the admin API, which the API suites test on both). The console's
            // own browser suite, the banner's behaviour and the journeys run on both, their axe and HTML checks on
            // the embedded engine only (console.test.ts, subscribe-pages.test.ts).
            'tests/e2e/{design,design-items,a11y,embed-xss,history-pages}.test.ts',
          ],
          globalSetup: ['tests/setup/postgres.ts'],
        },
      },
    ],
  },
});
