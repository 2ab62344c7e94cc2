import { afterEach, describe, expect, it } from 'vitest';
import { cpSync } from 'node:fs';
import { removeDir, startHerald, stopAll, tempDataDir, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE, outboxSettled } from '../helpers/mail-flow.ts';
import { seedSubscribers } from '../fixtures/subscribers.ts';
import { engine } from '../helpers/engine.ts';

/*
 * A site restored from an older backup hands its incident ids out again: the next incident of the day gets the id a
 * lost one had. A postmortem's Message-ID was built from that id alone, so the new incident's postmortem went out
 * with the Message-ID of the lost one's, which a mail provider that kept it may drop as a duplicate. (The restore
 * is of DATA_DIR, the embedded engine's; on PostgreSQL the same composer names the messages.)
 */

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(() => stopAll(...cleanup.splice(0).reverse()));

async function start(dataDir: string, smtp: TestSmtp): Promise<HeraldProcess> {
  const env = { SMTP_URL: smtp.url, SITE_URL: SITE, STATIC_SNAPSHOT: 'false', MAIL_RETRY_BASE_MS: '200', MAIL_RETRY_MAX_MS: '400' };
  const h = await startHerald({ dataDir, env });
  cleanup.push(() => h.kill());
  return h;
}

/** Declares, resolves and reviews an incident, each with notify; answers its id and its postmortem's Message-ID. */
async function incidentWithPostmortem(h: HeraldProcess, smtp: TestSmtp): Promise<{ id: string; postmortem: string; ids: string[] }> {
  const from = smtp.received.length;
  const declared = await h.admin('/incidents', {
    body: { name: 'Card payments failing', impact: 'major', body: 'Failing.', notify: true },
  });
  expect(declared.status).toBe(201);
  const { id } = (await declared.json()) as { id: string };
  expect((await h.admin(`/incidents/${id}/updates`, { body: { status: 'resolved', body: 'Working again.', notify: true } })).status).toBe(
    201,
  );
  const review = { body: '## Summary\n\nAn expired certificate.', publish: true, notify: true };
  expect((await h.admin(`/incidents/${id}/postmortem`, { method: 'PUT', body: review })).status).toBe(200);
  await smtp.waitFor(from + 3);
  await outboxSettled(h);
  const mine = smtp.received.slice(from);
  const postmortem = mine.find((r) => /^Subject: .*Postmortem/im.test(r.raw));
  expect(postmortem, mine.map((r) => r.raw.slice(0, 400)).join('\n---\n')).toBeDefined();
  return { id, postmortem: postmortem!.messageId, ids: mine.map((r) => r.messageId) };
}

describe.skipIf(engine() === 'postgres')('a site restored from an older backup, giving an incident id out again', () => {
  it("emails the new incident's postmortem under a Message-ID never sent before, and sends it again under the same one", async () => {
    // After the restore, a postmortem's first attempt is turned down (a relay's 451): its retry must keep its Message-ID.
    let turnDown = false;
    const smtp = await startSmtp((a) =>
      turnDown && a.count === 1 && a.messageId.includes('.postmortem') ? { code: 451, text: 'try later' } : null,
    );
    cleanup.push(() => smtp.close());
    const dataDir = tempDataDir();
    const backup = tempDataDir();
    cleanup.push(
      () => removeDir(dataDir),
      () => removeDir(backup),
    );
    seedSubscribers(dataDir, [{ email: 'reader@example.com' }]);
    const first = await start(dataDir, smtp);
    await first.stop();
    // The backup: before the incident.
    cpSync(dataDir, backup, { recursive: true });

    const before = await start(dataDir, smtp);
    const lost = await incidentWithPostmortem(before, smtp);
    await before.stop();

    // Restored: the incident and its deliveries are gone; the next one of the day takes its id.
    removeDir(dataDir);
    cpSync(backup, dataDir, { recursive: true });
    turnDown = true;
    const again = await incidentWithPostmortem(await start(dataDir, smtp), smtp);
    expect(again.id).toBe(lost.id);
    // Before: both '<fx00000000.INC-….postmortem@status.example.test>'.
    expect(again.postmortem).not.toBe(lost.postmortem);
    expect(again.postmortem).toMatch(new RegExp(`^<fx00000000\\.${again.id}\\.postmortem\\.\\d{8}T\\d{9}Z@status\\.example\\.test>$`));
    // Every message the restored site sent has a Message-ID of its own.
    expect(new Set([...lost.ids, ...again.ids]).size).toBe(lost.ids.length + again.ids.length);
    // Turned down once, sent again under the same Message-ID, and accepted once.
    expect(smtp.attempts.filter((a) => a.messageId === again.postmortem)).toHaveLength(2);
    expect(smtp.received.filter((r) => r.messageId === again.postmortem)).toHaveLength(1);
  }, 90_000);

  it("a late disruption notice likewise, and the incident's later notices reply to the one sent", async () => {
    const smtp = await startSmtp();
    cleanup.push(() => smtp.close());
    const dataDir = tempDataDir();
    const backup = tempDataDir();
    cleanup.push(
      () => removeDir(dataDir),
      () => removeDir(backup),
    );
    seedSubscribers(dataDir, [{ email: 'reader@example.com' }]);
    const first = await start(dataDir, smtp);
    // SEV-2 emails subscribers only once an incident has lasted a minute: the late disruption notice.
    const got = await first.admin('/settings');
    const settings = (await got.json()) as { severities: Array<Record<string, unknown>> };
    settings.severities[1] = { ...settings.severities[1], email_subscribers: true, email_after_minutes: 1 };
    const put = await first.admin('/settings', { method: 'PUT', body: settings, headers: { 'if-match': got.headers.get('etag')! } });
    expect(put.status, await put.clone().text()).toBe(200);
    await first.stop();
    cpSync(dataDir, backup, { recursive: true });

    /** An incident that started 5 minutes ago, so its late notice is due at once; then resolved with notify. */
    const lateThenResolved = async (h: HeraldProcess) => {
      const from = smtp.received.length;
      const startedAt = new Date(Date.now() - 5 * 60_000).toISOString();
      const declared = await h.admin('/incidents', {
        body: { name: 'Slow checkout', severity: 'sev2', body: 'Slow.', started_at: startedAt },
      });
      expect(declared.status).toBe(201);
      const { id } = (await declared.json()) as { id: string };
      await smtp.waitFor(from + 1);
      expect((await h.admin(`/incidents/${id}/updates`, { body: { status: 'resolved', body: 'Fast again.', notify: true } })).status).toBe(
        201,
      );
      await smtp.waitFor(from + 2);
      await outboxSettled(h);
      const [disruption, restoration] = await Promise.all(smtp.received.slice(from).map((r) => smtp.parse(r)));
      expect(disruption!.messageId).toMatch(/\.disruption/);
      expect(restoration!.inReplyTo).toBe(disruption!.messageId);
      return { id, disruption: disruption!.messageId! };
    };
    const before = await start(dataDir, smtp);
    const lost = await lateThenResolved(before);
    await before.stop();

    removeDir(dataDir);
    cpSync(backup, dataDir, { recursive: true });
    const again = await lateThenResolved(await start(dataDir, smtp));
    expect(again.id).toBe(lost.id);
    // Before: both '<fx00000000.INC-….disruption@status.example.test>'.
    expect(again.disruption).not.toBe(lost.disruption);
  }, 90_000);
});
