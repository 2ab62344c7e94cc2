import { afterAll, expect, it } from 'vitest';
import { startHerald, tempDataDir, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE, outboxSettled } from '../helpers/mail-flow.ts';
import { until } from '../helpers/poll.ts';
import { seedSubscribers } from '../fixtures/subscribers.ts';

/**
 * A window that starts and completes on its own, scheduled with "Email subscribers": the subscribers told
 * of it hear of its start and its end in the same thread (the scheduling notice promises an update when it
 * is complete). One scheduled without it stays silent when the timer moves it.
 */
let smtp: TestSmtp;
let h: HeraldProcess;
const dataDir = tempDataDir();
afterAll(() => stopAll(h, smtp, dataDir));

type Json = Record<string, any>;

it('the timer emails "started" and "completed" of a window scheduled with notify, threaded under its notice; not of one scheduled without', async () => {
  smtp = await startSmtp();
  seedSubscribers(dataDir, [{ email: 'db-ops@example.com', components: ['db'] }]);
  h = await startHerald({ dataDir, env: { SMTP_URL: smtp.url, SITE_URL: SITE, MAINTENANCE_REMINDER_MINUTES: '0' } });
  expect((await h.admin('/components', { body: { id: 'db', name: 'Database' } })).status).toBe(201);
  // A few seconds ahead and two long: only the server's timer starts and completes them.
  const from = new Date(Date.now() + 4000).toISOString();
  const till = new Date(Date.now() + 6000).toISOString();
  const schedule = async (name: string, notify: boolean) => {
    const res = await h.admin('/maintenances', {
      body: { name, scheduled_for: from, scheduled_until: till, components: ['db'], notify },
    });
    expect(res.status).toBe(201);
    return (await res.json()) as Json;
  };
  const told = await schedule('Database upgrade', true);
  const quiet = await schedule('Index rebuild', false);
  for (const id of [told.id, quiet.id])
    await until(
      async () => ((await (await h.admin(`/maintenances/${id}`)).json()) as Json).status === 'completed',
      `${id} completed by the timer`,
      20_000,
    );
  await outboxSettled(h, 0, 15_000);
  const mails = await Promise.all(smtp.received.map((r) => smtp.parse(r)));
  const subject = (m: (typeof mails)[number]) => m.subject!.replace(/^\[[^\]]*\] /, '');
  // Sent in parallel: their order in the inbox is not theirs.
  expect(mails.map(subject).sort()).toEqual([
    'Maintenance completed: Database upgrade',
    'Maintenance started: Database upgrade',
    'Scheduled maintenance: Database upgrade',
  ]);
  const byTitle = (t: string) => mails.find((m) => subject(m).startsWith(t))!;
  const notice = byTitle('Scheduled');
  expect(byTitle('Maintenance started').inReplyTo).toBe(notice.messageId);
  expect(byTitle('Maintenance completed').inReplyTo).toBe(notice.messageId);
  // The choice, as the admin API reads it.
  expect(told.notify_steps).toBe(true);
  expect(quiet.notify_steps).toBe(false);
}, 60_000);
