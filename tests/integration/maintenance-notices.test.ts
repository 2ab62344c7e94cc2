import { afterAll, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { reminderKey } from '../../src/notify/intents.ts';
import { startHerald, tempDataDir, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE, outboxSettled } from '../helpers/mail-flow.ts';
import { until } from '../helpers/poll.ts';
import { seedSubscribers } from '../fixtures/subscribers.ts';

let smtp: TestSmtp;
let h: HeraldProcess;
const dataDir = tempDataDir();
/** The window of the first test, moved by the second. */
let windowId = '';
/** Where the second test moved its start. */
let movedTo = '';
afterAll(() => stopAll(h, smtp, dataDir));

it('a maintenance notice, then its reminder when due, in one thread; subscribers of other components hear nothing', async () => {
  smtp = await startSmtp();
  seedSubscribers(dataDir, [
    { email: 'db-ops@example.com', components: ['db'] },
    { email: 'web-only@example.com', components: ['web'] },
  ]);
  h = await startHerald({ dataDir, env: { SMTP_URL: smtp.url, SITE_URL: SITE, MAINTENANCE_REMINDER_MINUTES: '1' } });
  for (const [id, name] of [
    ['db', 'Database'],
    ['web', 'Website'],
  ])
    await h.admin('/components', { body: { id, name } });
  // Scheduled 62 s ahead with a 1-minute reminder: the reminder falls due about 2 s from now.
  const res = await h.admin('/maintenances', {
    body: {
      name: 'Database upgrade',
      scheduled_for: new Date(Date.now() + 62_000).toISOString(),
      scheduled_until: new Date(Date.now() + 2 * 3_600_000).toISOString(),
      components: ['db'],
      body: 'Expect brief errors.',
      notify: true,
    },
  });
  expect(res.status).toBe(201);
  windowId = ((await res.json()) as { id: string }).id;
  await until(() => smtp.received.length === 2, 'the notice and the reminder');
  const [notice, reminder] = await Promise.all(smtp.received.map((r) => smtp.parse(r)));
  expect(smtp.received.every((r) => r.to.join() === 'db-ops@example.com')).toBe(true);
  expect(notice!.subject).toMatch(/\] Scheduled maintenance: Database upgrade$/);
  expect(notice!.text).toContain('We have scheduled maintenance, “Database upgrade”, on Database.');
  expect(notice!.text).toMatch(/\nWindow: \d+ \w+ \d{4}, \d\d:\d\d UTC to \d+ \w+ \d{4}, \d\d:\d\d UTC\n/);
  expect(notice!.text).toContain('Expect brief errors.');
  expect(reminder!.subject).toMatch(/\] Reminder: scheduled maintenance: Database upgrade$/);
  expect(reminder!.text).toContain('This is a reminder of our scheduled maintenance, “Database upgrade”, on Database.');
  expect(reminder!.inReplyTo).toBe(notice!.messageId);
  // Once the outbox has recorded the relay's answer: the sink has the message a moment before (once seen under load).
  const out = await outboxSettled(h, 2);
  expect(out.updates.map((u) => [u.reminder, u.sent]).sort()).toEqual([
    [false, 1],
    [true, 1],
  ]);
}, 60_000);

it('a window moved after its reminder is reminded again of its new start, as a message of its own in the same thread', async () => {
  // Continues the window above on the same Herald: its notice and first reminder are sent.
  const id = windowId;
  expect(smtp.received.length).toBe(2);
  // Moved to 63 s ahead with a notice: the new reminder falls due about 3 s from now.
  movedTo = new Date(Date.now() + 63_000).toISOString();
  const res = await h.admin(`/maintenances/${id}/reschedule`, { body: { scheduled_for: movedTo, notify: true } });
  expect(res.status).toBe(200);
  await until(() => smtp.received.length === 4, 'the move notice and the second reminder', 15_000);
  const [notice, first, moved, second] = await Promise.all(smtp.received.map((r) => smtp.parse(r)));
  expect(moved!.subject).toMatch(/\] Maintenance rescheduled: Database upgrade$/);
  expect(second!.subject).toMatch(/\] Reminder: scheduled maintenance: Database upgrade$/);
  expect(second!.messageId).not.toBe(first!.messageId);
  expect(second!.inReplyTo).toBe(notice!.messageId);
  const out = await (await h.admin('/deliveries')).json();
  expect(out.updates.filter((u: { reminder: boolean }) => u.reminder).map((u: { sent: number }) => u.sent)).toEqual([1, 1]);
}, 60_000);

it('after an upgrade from reminders keyed without their start, a reminder already sent is not sent again', async () => {
  // The outbox as the previous version left it: the current reminder recorded under `<id>:reminder`.
  const remindedAt = ((await (await h.admin(`/maintenances/${windowId}`)).json()) as { reminded_at: string }).reminded_at;
  await h.stop();
  const current = reminderKey(windowId, remindedAt);
  const legacy = `${windowId}:reminder`;
  const dotted = (k: string) => k.replaceAll(':', '.');
  if (h.databaseUrl) {
    const client = new pg.Client({ connectionString: h.databaseUrl });
    await client.connect();
    try {
      await client.query('UPDATE mail_intents SET key = $2 WHERE key = $1', [current, legacy]);
      await client.query('UPDATE mail_deliveries SET intent = $2, id = replace(id, $3, $4) WHERE intent = $1', [
        current,
        legacy,
        dotted(current),
        dotted(legacy),
      ]);
    } finally {
      await client.end();
    }
  } else {
    const file = join(dataDir, 'deliveries.jsonl');
    writeFileSync(file, readFileSync(file, 'utf8').replaceAll(current, legacy).replaceAll(dotted(current), dotted(legacy)));
  }
  h = await startHerald({ dataDir, env: { SMTP_URL: smtp.url, SITE_URL: SITE, MAINTENANCE_REMINDER_MINUTES: '1' } });
  // A note emailed now: a fan-out pass takes the older reminder first, so once the note is out the reminder had its turn.
  expect((await h.admin(`/maintenances/${windowId}/updates`, { body: { body: 'Still on.', notify: true } })).status).toBe(201);
  const out = await outboxSettled(h, 0, 10_000);
  await until(() => smtp.received.length >= 5, 'the note');
  expect((await smtp.parse(smtp.received.at(-1)!)).text).toContain('Still on.');
  expect(smtp.received.length).toBe(5);
  expect(out.updates.filter((u) => u.reminder).map((u) => [u.intent, u.sent])).toContainEqual([legacy, 1]);
  expect(out.updates.some((u) => u.intent === current)).toBe(false);
}, 60_000);
