import { afterAll, expect, it } from 'vitest';
import { startHerald, tempDataDir, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE } from '../helpers/mail-flow.ts';
import { until } from '../helpers/poll.ts';
import { seedSubscribers } from '../fixtures/subscribers.ts';

let smtp: TestSmtp;
let h: HeraldProcess;
const dataDir = tempDataDir();
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
  const out = await (await h.admin('/deliveries')).json();
  expect(out.updates.map((u: { reminder: boolean; sent: number }) => [u.reminder, u.sent]).sort()).toEqual([
    [false, 1],
    [true, 1],
  ]);
}, 60_000);
