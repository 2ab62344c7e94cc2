import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHerald, stopAll, tempDataDir, TEST_TOKEN, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE, subscribe, to } from '../helpers/mail-flow.ts';
import { until } from '../helpers/poll.ts';

/**
 * `npm run export -- DIR` opens DATA_DIR (or the database) with Herald stopped, often from a shell
 * without the service's SMTP_URL. From a review: it ran the whole Herald, which sent what the service
 * had left queued into DATA_DIR/outbox and recorded it as sent, so the subscriber never got it.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dataDir = tempDataDir('herald-export-ro-');
const out = join(tempDataDir('herald-export-ro-site-'), 'site');
let h: HeraldProcess | undefined;
let smtp: TestSmtp | undefined;
afterAll(() => stopAll(h, smtp, dataDir, join(out, '..')));

describe('npm run export', () => {
  it('sends and posts nothing: what the service left queued stays queued, and the service sends it when it is back', async () => {
    // A relay name that does not resolve: a setup error, which pauses sending until the operator resumes it.
    h = await startHerald({
      dataDir,
      env: { SMTP_URL: 'smtp://relay.invalid:25', SITE_URL: SITE, STATIC_SNAPSHOT: 'false' },
    });
    const databaseUrl = h.databaseUrl ?? '';
    // The first confirmation pauses sending; the second waits behind the pause, due now.
    for (const email of ['first@example.com', 'queued@example.com']) {
      expect((await subscribe(h, { email, components: [] })).status).toBe(202);
      await until(async () => {
        const d = (await (await h!.admin('/deliveries')).json()) as { paused: boolean; confirmations: { queued: number } };
        return d.paused && d.confirmations.queued === (email === 'first@example.com' ? 1 : 2);
      }, `the confirmation to ${email} to wait in the outbox`);
    }
    await h.stop();
    h = undefined;

    // As an operator runs it: the service's environment, but not its SMTP_URL (email would go to DATA_DIR/outbox).
    const run = spawnSync(process.execPath, ['--import', './src/compile-cache.mjs', 'scripts/export.ts', out], {
      cwd: ROOT,
      env: { ...process.env, DATA_DIR: dataDir, ADMIN_TOKEN: TEST_TOKEN, HERALD_SEED: 'none', DATABASE_URL: databaseUrl, SMTP_URL: '' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(existsSync(join(out, 'index.html'))).toBe(true);
    const outbox = join(dataDir, 'outbox');
    expect(existsSync(outbox) ? readdirSync(outbox) : []).toEqual([]);

    smtp = await startSmtp();
    h = await startHerald({ dataDir, env: { SMTP_URL: smtp.url, SITE_URL: SITE, STATIC_SNAPSHOT: 'false' } });
    // The pause outlives the restart on PostgreSQL: the operator resumes it (nothing to do on the embedded engine).
    await h.admin('/deliveries/resume', { method: 'POST' });
    await until(
      () => to(smtp!, 'first@example.com').length === 1 && to(smtp!, 'queued@example.com').length === 1,
      'the confirmations, sent by the service',
    );
  }, 90_000);
});
