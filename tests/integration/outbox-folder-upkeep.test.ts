import { afterAll, describe, expect, it } from 'vitest';
import { readdirSync, statSync, chmodSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHerald, stopAll, tempDataDir, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { subscribe, until, SITE } from '../helpers/mail-flow.ts';

/**
 * The outbox folder a run without SMTP_URL left keeps subscribers' addresses and live links: once SMTP_URL
 * is set it was never swept nor made private again, nor were a crash's temp files in it ever removed.
 * Whatever the mailer, the start now sets it private, removes its temp files and the messages past 30
 * days, and a removal takes the subscriber's messages out of it.
 */
let h: HeraldProcess | undefined;
let smtp: TestSmtp | undefined;
const dataDir = tempDataDir();
afterAll(() => stopAll(h, smtp, dataDir));

const outbox = join(dataDir, 'outbox');
const mode = (name: string) => (statSync(join(outbox, name)).mode & 0o777).toString(8);

describe('the outbox folder after SMTP_URL is set', () => {
  it('is kept private and swept at the start, loses its temp files, and loses a removed subscriber’s messages', async () => {
    h = await startHerald({ dataDir, env: { SITE_URL: SITE, STATIC_SNAPSHOT: 'false' } });
    for (const email of ['old@example.com', 'restored@example.com', 'removed@example.com']) {
      expect((await subscribe(h, { email, components: [] })).status).toBe(202);
    }
    await until(() => readdirSync(outbox).length === 3, 'three confirmations written to the outbox');
    const { subscribers } = (await (await h.admin('/subscribers')).json()) as { subscribers: Array<{ id: string; email: string }> };
    const idOf = (email: string) => subscribers.find((s) => s.email === email)!.id;
    const fileOf = (email: string) => readdirSync(outbox).find((f) => f.startsWith(`${idOf(email)}.`))!;
    await h.stop();

    const old = fileOf('old@example.com');
    const restored = fileOf('restored@example.com');
    const removed = fileOf('removed@example.com');
    const fortyDaysAgo = new Date(Date.now() - 40 * 86_400_000);
    utimesSync(join(outbox, old), fortyDaysAgo, fortyDaysAgo);
    chmodSync(join(outbox, restored), 0o644);
    // What writeFileDurably leaves when a crash cuts a message's write short.
    const temp = `.${idOf('removed@example.com')}.confirm.2.eml.${h.proc.pid}.tmp`;
    writeFileSync(join(outbox, temp), 'half a message', { mode: 0o600 });

    smtp = await startSmtp();
    h = await startHerald({ dataDir, env: { SMTP_URL: smtp.url, SITE_URL: SITE, STATIC_SNAPSHOT: 'false' } });
    // Before: all four stayed, and restored's message stayed 0644.
    await until(
      () => !readdirSync(outbox).includes(old),
      () => `the 40-day-old message swept: ${readdirSync(outbox)}`,
      5000,
    );
    expect(readdirSync(outbox).sort()).toEqual([removed, restored].sort());
    expect(mode(restored)).toBe('600');
    expect(h.output()).toContain(`${join(outbox, restored)} was mode 0644, readable by other users: set to 0600`);

    expect((await h.admin(`/subscribers/${idOf('removed@example.com')}`, { method: 'DELETE' })).status).toBe(204);
    await until(
      () => readdirSync(outbox).length === 1,
      () => `the removed subscriber's message gone: ${readdirSync(outbox)}`,
      5000,
    );
    expect(readdirSync(outbox)).toEqual([restored]);
  }, 60_000);
});
