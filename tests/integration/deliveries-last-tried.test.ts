import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatDateTime } from '../../src/domain/time-text.ts';
import { startHerald, removeDir, tempDataDir, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp } from '../helpers/smtp.ts';
import { outboxSettled, SITE } from '../helpers/mail-flow.ts';
import { signIn } from '../helpers/console-session.ts';
import { until } from '../helpers/poll.ts';
import { seedSubscribers } from '../fixtures/subscribers.ts';

/**
 * A failed delivery says when it was last tried (`last_attempt_at`, set on every attempt), beside when it was
 * made (`created_at`): in GET /api/admin/deliveries and as "Last tried" on the console's deliveries page, in
 * SITE_TIMEZONE. Before, a failure carried no time at all, and an operator could not tell last night's bounce
 * from this minute's. Through a real relay that refuses, on both engines.
 */
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(() => stopAll(...cleanup.splice(0).reverse()));
const TZ = 'America/New_York';

interface FailedRow {
  id: string;
  email: string | null;
  attempts: number;
  created_at: string;
  last_attempt_at: string | null;
}

/** A relay that refuses `reject*@` (554) and `bounce*@` (550 5.1.1) at RCPT TO, as the defect hunt's sink did. */
async function refusingRelay() {
  const smtp = await startSmtp(() => null, {
    at: {
      rcptTo: (to) =>
        to.startsWith('reject')
          ? { code: 554, text: '5.7.1 Message rejected' }
          : to.startsWith('bounce')
            ? { code: 550, text: '5.1.1 <address> User unknown' }
            : null,
    },
  });
  cleanup.push(() => smtp.close());
  return smtp;
}

async function start(dataDir: string, smtpUrl: string): Promise<HeraldProcess> {
  const h = await startHerald({ dataDir, env: { SMTP_URL: smtpUrl, SITE_URL: SITE, SITE_TIMEZONE: TZ } });
  cleanup.push(() => h.stop());
  return h;
}

const failedRows = async (h: HeraldProcess): Promise<FailedRow[]> => (await (await h.admin('/deliveries')).json()).failed;

/** The failed table's row of an address, as the console serves it. */
async function consoleRow(h: HeraldProcess, email: string): Promise<string> {
  const s = await signIn(h);
  const html = await (await fetch(`${h.url}/admin/deliveries`, { headers: { cookie: s.cookie } })).text();
  const table = html.slice(html.indexOf('id="failed-title"'));
  expect(table).toContain('<th scope="col">Last tried</th>');
  const row = table.split('<tr').find((r) => r.includes(email));
  expect(row, `a failed row for ${email}`).toBeDefined();
  return row!;
}

describe('a failed delivery says when it failed', () => {
  it('each refused address: created_at and last_attempt_at in the API, "Last tried" on the console; a retry moves it on', async () => {
    const smtp = await refusingRelay();
    const dataDir = tempDataDir();
    cleanup.push(() => removeDir(dataDir));
    seedSubscribers(dataDir, [{ email: 'reject1@example.com' }, { email: 'bounce1@example.com' }, { email: 'ok@example.com' }]);
    const h = await start(dataDir, smtp.url);
    const before = new Date().toISOString();
    const declared = await h.admin('/incidents', {
      body: { name: 'Checkout down', severity: 'sev1', status: 'investigating', body: 'Down.', components: {} },
    });
    expect(declared.status).toBe(201);
    await outboxSettled(h, 1);
    const after = new Date().toISOString();

    const failed = await failedRows(h);
    expect(failed.map((f) => f.email).sort()).toEqual(['bounce1@example.com', 'reject1@example.com']);
    for (const f of failed) {
      expect(f.attempts).toBe(1);
      expect(f.created_at >= before && f.created_at <= after, `created_at ${f.created_at}`).toBe(true);
      expect(f.last_attempt_at, `last_attempt_at of ${f.email}`).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(f.last_attempt_at! >= f.created_at && f.last_attempt_at! <= after).toBe(true);
    }

    // The console: a "Last tried" column, a machine-readable instant and the time in the site's zone.
    const bounce = failed.find((f) => f.email === 'bounce1@example.com')!;
    const row = await consoleRow(h, 'bounce1@example.com');
    expect(row).toContain(`<time datetime="${bounce.last_attempt_at}">${formatDateTime(bounce.last_attempt_at!, TZ)}</time>`);
    expect(formatDateTime(bounce.last_attempt_at!, TZ)).toMatch(/E[SD]T$/);

    // Retried and refused again: the last attempt is the new one, the delivery's creation unchanged.
    const reject = failed.find((f) => f.email === 'reject1@example.com')!;
    expect((await h.admin(`/deliveries/${reject.id}/retry`, { method: 'POST' })).status).toBe(200);
    const again = await until(async () => {
      const row = (await failedRows(h)).find((f) => f.id === reject.id);
      return row && row.last_attempt_at !== reject.last_attempt_at ? row : null;
    }, 'the retried delivery to fail again');
    expect(again.created_at).toBe(reject.created_at);
    expect(again.last_attempt_at! > reject.last_attempt_at!).toBe(true);
  });

  it('a failure recorded before Herald kept the time still loads: no last_attempt_at, "Not recorded" on the console', async () => {
    const smtp = await refusingRelay();
    const dataDir = tempDataDir();
    cleanup.push(() => removeDir(dataDir));
    const [sub] = seedSubscribers(dataDir, [{ email: 'bounce-old@example.com', state: 'pending' }]);
    const created = '2026-11-30T08:15:00.000Z';
    // deliveries.jsonl as an older Herald wrote it: its failed line has no last_attempt_at.
    const lines = [
      { t: 'm', epoch: '2026-11-01T00:00:00.000Z' },
      {
        t: 'd',
        id: `${sub}.confirm.1`,
        sub,
        intent: 'confirm',
        kind: 'confirm',
        state: 'queued',
        attempts: 0,
        last_error: null,
        next_at: null,
        created_at: created,
        sent_at: null,
      },
      {
        t: 'd',
        id: `${sub}.confirm.1`,
        sub,
        intent: 'confirm',
        kind: 'confirm',
        state: 'failed',
        attempts: 1,
        last_error: 'EENVELOPE: 550 5.1.1 <address> User unknown',
        next_at: null,
        created_at: created,
        sent_at: null,
      },
    ];
    writeFileSync(join(dataDir, 'deliveries.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n', { mode: 0o600 });
    const h = await start(dataDir, smtp.url);

    const [old] = await failedRows(h);
    expect(old).toMatchObject({ id: `${sub}.confirm.1`, email: 'bounce-old@example.com', created_at: created, last_attempt_at: null });
    const row = await consoleRow(h, 'bounce-old@example.com');
    expect(row).toContain('Not recorded');
    expect(row).not.toContain('<time');
  });
});
