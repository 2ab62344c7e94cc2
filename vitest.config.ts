import { chmodSync, mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// Every suite writes its DATA_DIRs, journals, outboxes and PostgreSQL clusters under the temp folder, and Herald
// fsyncs each write. On a memory filesystem those are free: the whole run took 4 % less time here (70.4 s
// against 72.3-77.0 s for 24 files). Only when /dev/shm has room (a container's default 64 MB has not) and
// TMPDIR is not set already; the folder is this run's own, removed at its end. Crash and full-disk suites kill
// processes or mount their own small tmpfs: nothing here depends on the temp folder being a disk.
function memoryTemp(): string | undefined {
  try {
    const fs = statfsSync('/dev/shm');
    if (fs.bavail * fs.bsize < 4 * 1024 ** 3) return undefined;
    const dir = mkdtempSync('/dev/shm/herald-tests-');
    // The PostgreSQL suites run their clusters as the postgres user, in folders below this one: it may pass through.
    chmodSync(dir, 0o711);
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  } catch {
    return undefined;
  }
}
if (!process.env.TMPDIR) {
  const dir = memoryTemp();
  if (dir) process.env.TMPDIR = dir;
}

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start real servers and browsers: keep the 2-core machines unhurried.
    maxWorkers: 2,
    // One worker process runs file after file (each file still imported afresh; Herald's modules and the
    // helpers stay loaded): a process per file cost about 0.65 s of CPU each, a tenth of the CI's time on
    // two busy cores. So a suite must close what it opens (servers, Heralds, browser contexts, timers, fake
    // clocks, spies) in its hooks: what it leaves running slows or disturbs the files after it in that worker.
    // The one thing kept across files is the worker's Chromium (tests/helpers/browser.ts, launchBrowser).
    isolate: false,
    projects: [
      // Everything, on the embedded engine (DATA_DIR's files).
      { extends: true, test: { name: 'embedded', include: ['tests/**/*.test.ts'] } },
      // The same suites again on PostgreSQL: every Herald a test starts (tests/helpers/server.ts, app.ts)
      // gets a fresh database of one throwaway cluster (tests/helpers/engine.ts), data a test wrote into
      // its DATA_DIR imported first, as `npm run db:import` does. Left out: the suites listed below with
      // their reasons (HTTP-only, and how pages, the banner and the console look and behave), and, because what they test is the embedded engine's own files: the journals and herald.json on a full or read-only disk and at start, the sender's outcomes a write refused, the crash harness that
      // checks herald.json after each SIGKILL, the SIGKILL and the SIGTERM in the middle of a journal fan-out (the shared
      // outbox's kill is tests/integration/pg-outbox.test.ts; its stop holds the SMTP thread as the journal's does), and the first start's DATA_DIR files (the
      // demo seed, the admin-token file, the one-instance lock). The pg-* suites start clusters of their own.
      {
        extends: true,
        test: {
          name: 'postgres',
          include: ['tests/api/**/*.test.ts', 'tests/integration/**/*.test.ts', 'tests/e2e/**/*.test.ts'],
          exclude: [
            'tests/integration/pg-*.test.ts',
            'tests/integration/{full-disk-journals,storage-failure,start-checks,crash-safety,outbox-crash,outbox-clean-stop,foundation-process,unwritten-outcomes,lock-race,admin-token-file}.test.ts',
            // The HTTP body limit and the Origin check behind a proxy are the same code on both engines; the
            // limit's RSS bound is measured on the embedded one. Protocol-level attacks, conditional and ranged
            // requests, and the page cache's keys: HTTP answers, before and apart from storage.
            'tests/integration/{body-limits,behind-proxy,attacks-http,http-conditions,cache-keys}.test.ts',
            // The same, for a path's other spellings and the addresses people type (canonical-paths), an upload cut
            // short (aborted-uploads), the client address behind an appending proxy (proxy-address: the limits it
            // keys count on PostgreSQL in subscribe-limits), and the envelope sender a message is written with
            // (mail-from-envelope). The XSS corpus on every surface (attacks): how pages, email, feeds and the
            // banner escape what they are given; hostile-input stores and reads such text back on both engines.
            'tests/integration/{canonical-paths,aborted-uploads,proxy-address,mail-from-envelope,attacks}.test.ts',
            // Rules over the stored document (a deleted component's records, a status set by hand, names read apart,
            // a restoration's closing, the first day of a component): the document is the same on either engine,
            // and the API suites test its storage on both. site-url-form: how the configuration is read.
            'tests/integration/{deleted-component-records,hand-set-same-status,same-name-components,restoration-under-maintenance,component-start-date,site-url-form}.test.ts',
            // The bundled server as a build (built-server): its files and the Node it runs on, before storage is opened.
            'tests/integration/built-server.test.ts',
            // The start's words about the demo seed (their PostgreSQL wording is one string), and the console's
            // hints and the update form's fold of many components: how the configuration and the console's forms
            // read, not storage. A withdrawn incident's console pages (withdrawal itself runs on both in
            // withdraw-incident), and a subject or List-ID as typed: how a page and a message are written from the
            // same data.
            'tests/integration/{demo-seed-start,url-hints,console-follow-up-hints,console-many-components,console-withdrawn-links,mail-literal-headers}.test.ts',
            // Layout, target sizes, axe and HTML validity (of the history pages too), the designer's items one
            // by one, embed.js in a host page (embed-host-pages too) and its XSS corpus: how pages and the banner look and behave, drawn
            // from the same data on either engine (seeded through the admin API, which the API suites test on
            // both). The console's browser suite: what its forms do is the console's actions, which run on both
            // engines in the integration suites (console-published-text, console-settings, console-wall-clock,
            // nul-in-urls) and in the SEV-1 journey, which drives the console in Chromium on both. The subscribe
            // pages' journey runs on both, its axe and HTML checks on the embedded engine only. The deliveries
            // page at 360 px: layout (what its lists hold is tested on both in the deliveries-* integration suites).
            // The public pages at 320 px under WCAG text spacing, and right-to-left text on them: layout. The
            // console's field borders: colours.
            // The uptime bars' shapes, colours and accessible list: drawn from the uptime the unit suite computes.
            // Where refused forms put the focus: the pages' markup (their refusals run on both in the integration
            // suites). The console's scripts following others' work (console-live): what they redraw from, GET
            // /api/admin/dashboard, runs on both in tests/api/dashboard.test.ts. A notice's HTML at 360 px with
            // long unbroken text, and each notice in a mail app's dark mode (email-dark): the email's layout and colours,
            // from the same templates on either engine. Long words, code and
            // tables on the public pages at every width (long-content), and Markdown-looking names filled into the
            // runbook templates by the console's script (template-names): layout and the script's text, drawn from
            // names and bodies the API and hostile-input suites store and read back on both engines. How the
            // status page's rows, headings and disclosures read and wrap (status-page-reading): markup and layout.
            // An incident and its postmortem printed (print): the print stylesheet's layout and colours.
            // A 30-update incident at 320 px (long-incident): how much of its trail / shows and where its facts stand: layout.
            // The settings' severity levels at 360 px (settings-narrow): a card per level, its labels and targets: layout (the
            // settings' save runs on both in console-settings and tests/api/settings).
            'tests/e2e/{design,design-items,a11y,embed,embed-xss,embed-host-pages,history-pages,console,console-live,console-signed-out,deliveries-narrow,text-spacing,right-to-left,console-field-contrast,uptime-bars,form-errors,email-long-content,email-dark,long-content,template-names,status-page-reading,print,long-incident,settings-narrow}.test.ts',
          ],
          globalSetup: ['tests/setup/postgres.ts'],
        },
      },
    ],
  },
});
