import { cpSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { emptyDb } from '../../src/domain/model.ts';
import { openPool } from '../../src/store/pg/client.ts';
import { defaultMigrationsDir, migrateDatabase } from '../../src/store/pg/migrate.ts';
import { startPgCluster, type PgCluster } from '../helpers/pg.ts';
import { type HeraldProcess, startHerald, stopAll } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { subscribe, until } from '../helpers/mail-flow.ts';

/**
 * A database whose outbox was made before deliveries recorded their last attempt (SQL migrations up to 012),
 * met by this release: migration 013 adds mail_deliveries.last_attempt_at, a failure recorded before it is
 * still listed (its last attempt not known: null), and a failure after it says when it was tried.
 */
let cluster: PgCluster;
let smtp: TestSmtp;
const heralds: HeraldProcess[] = [];
beforeAll(async () => {
  cluster = await startPgCluster();
  // Refuses every recipient as an unknown mailbox, at RCPT TO.
  smtp = await startSmtp(() => null, { at: { rcptTo: () => ({ code: 550, text: '5.1.1 <address> User unknown' }) } });
});
afterAll(async () => {
  await stopAll(...heralds, smtp);
  await cluster?.destroy();
});

const OLD_CREATED = '2026-11-30T08:15:00.000Z';

/** A database as the release before this one left it: migrations 001-012, a document, one failed delivery. */
async function olderDatabase(): Promise<string> {
  const url = await cluster.database();
  const dir = mkdtempSync(join(tmpdir(), 'herald-migrations-'));
  for (const name of readdirSync(defaultMigrationsDir()).filter((n) => Number(n.slice(0, 3)) <= 12)) {
    cpSync(join(defaultMigrationsDir(), name), join(dir, name));
  }
  const pool = openPool(url, { applicationName: 'setup', log: () => {} });
  await migrateDatabase(pool, dir);
  await pool.query('INSERT INTO herald_document (id, version, data) VALUES (1, 1, $1)', [JSON.stringify(emptyDb('page-012', OLD_CREATED))]);
  await pool.query(
    `INSERT INTO mail_deliveries (id, sub, intent, kind, state, attempts, last_error, created_at)
     VALUES ('gone.confirm.1', 'gone', 'confirm', 'confirm', 'failed', 1, 'EENVELOPE: 550 5.1.1 <address> User unknown', $1)`,
    [OLD_CREATED],
  );
  await pool.end();
  return url;
}

it('upgrades the outbox: an older failure listed without a last attempt, a new one with it', { timeout: 60_000 }, async () => {
  const url = await olderDatabase();
  const h = await startHerald({ env: { DATABASE_URL: url, SMTP_URL: smtp.url } });
  heralds.push(h);
  expect(h.output()).toContain('[herald] applied the SQL migrations 013_delivery_last_attempt.sql to the database');

  const failed = async () => (await (await h.admin('/deliveries')).json()).failed as Array<Record<string, unknown>>;
  expect((await failed()).find((f) => f.id === 'gone.confirm.1')).toMatchObject({ created_at: OLD_CREATED, last_attempt_at: null });

  const before = new Date().toISOString();
  expect((await subscribe(h, { email: 'bounce2@example.com' })).status).toBe(202);
  const fresh = await until(
    async () => (await failed()).find((f) => f.email === 'bounce2@example.com') ?? null,
    'the refused confirmation',
  );
  expect(fresh.last_attempt_at! >= before && fresh.last_attempt_at! >= fresh.created_at!).toBe(true);
  await h.stop();
});
