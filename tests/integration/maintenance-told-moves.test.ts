import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHerald, tempDataDir, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE } from '../helpers/mail-flow.ts';
import { until } from '../helpers/poll.ts';
import { seedSubscribers } from '../fixtures/subscribers.ts';

/**
 * What subscribers hear when a window moves without telling them, through a real Herald, its timer and a real
 * SMTP sink: each move's later notices speak of the times they were last emailed, not of a quiet move's.
 * Each test has a window of its own (by name) on one server, with a 1-minute reminder.
 */
let smtp: TestSmtp;
let h: HeraldProcess;
const dataDir = tempDataDir();
type Json = Record<string, any>;

beforeAll(async () => {
  smtp = await startSmtp();
  seedSubscribers(dataDir, [{ email: 'ops@example.com', components: ['webhooks'] }]);
  h = await startHerald({ dataDir, env: { SMTP_URL: smtp.url, SITE_URL: SITE, MAINTENANCE_REMINDER_MINUTES: '1' } });
  expect((await h.admin('/components', { body: { id: 'webhooks', name: 'Webhooks' } })).status).toBe(201);
});
afterAll(() => stopAll(h, smtp, dataDir));

const at = (ms: number) => new Date(Date.now() + ms).toISOString();
const MIN = 60_000;

async function schedule(name: string, from: string, till: string): Promise<string> {
  const res = await h.admin('/maintenances', {
    body: { name, scheduled_for: from, scheduled_until: till, components: ['webhooks'], notify: true },
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as Json).id as string;
}

async function post(path: string, body: Json): Promise<Json> {
  const res = await h.admin(path, { body });
  expect(res.status, `${path}: ${await res.clone().text()}`).toBeLessThan(300);
  return (await res.json()) as Json;
}

/** The emails of the window named `name`, parsed, as they arrived. */
async function mailsOf(name: string) {
  const all = await Promise.all(smtp.received.map((r) => smtp.parse(r)));
  return all.filter((m) => m.subject!.endsWith(`: ${name}`));
}
const waitFor = (name: string, n: number, what: string) => until(async () => (await mailsOf(name)).length >= n, what, 30_000);
const subjects = async (name: string) => (await mailsOf(name)).map((m) => m.subject!.replace(/^\[[^\]]*\] /, '').replace(`: ${name}`, ''));

it('a window moved quietly to a start within the reminder lead is reminded at once of the move, before it starts', async () => {
  const name = 'Webhook signer rotation';
  const id = await schedule(name, at(30 * MIN), at(40 * MIN));
  await waitFor(name, 1, 'the notice');
  // Moved without a notice (the console's default) to 10 s ahead: the reminder's time for it is long gone.
  const start = at(10_000);
  await post(`/maintenances/${id}/reschedule`, { scheduled_for: start, scheduled_until: at(5 * MIN) });
  await waitFor(name, 2, 'the reminder of the new window');
  // Before: no reminder ever (reminded_at stayed null); the next email was "Maintenance started".
  const record = await (await h.admin(`/maintenances/${id}`)).json();
  expect(record.status).toBe('scheduled');
  const reminder = (await mailsOf(name))[1]!;
  expect(reminder.subject).toMatch(/Reminder: scheduled maintenance/);
  expect(reminder.text).toContain('It has moved to a new window since we announced it.');
  expect(reminder.text).toMatch(/\nMoved from: .+\n/);
  await waitFor(name, 3, 'the start');
  expect(await subjects(name)).toEqual(['Scheduled maintenance', 'Reminder: scheduled maintenance', 'Maintenance started']);
  // The reminder told them of the move: the start does not repeat it.
  expect((await mailsOf(name))[2]!.text).not.toContain('Moved from');
}, 60_000);

it('a window moved quietly to a start already come is started at once, and its start says it moved, and from what', async () => {
  const name = 'Queue drain';
  const id = await schedule(name, at(30 * MIN), at(40 * MIN));
  await waitFor(name, 1, 'the notice');
  await post(`/maintenances/${id}/reschedule`, { scheduled_for: at(-MIN), scheduled_until: at(10 * MIN) });
  await waitFor(name, 2, 'the start');
  expect(await subjects(name)).toEqual(['Scheduled maintenance', 'Maintenance started']);
  const started = (await mailsOf(name))[1]!;
  // Before: "…has started and is now in progress." with the new times alone, as though they had been told of them.
  expect(started.text).toContain('has started and is now in progress. It had moved to a new window since we announced it.');
  expect(started.text).toMatch(/\nNew window: Started .+; scheduled to end .+\nMoved from: .+\n/);
}, 60_000);

it('a note emailed on a completed window points to the details, as the completion did', async () => {
  const name = 'Cache flush';
  const id = await schedule(name, at(30 * MIN), at(40 * MIN));
  await post(`/maintenances/${id}/start`, {});
  await post(`/maintenances/${id}/complete`, { notify: true });
  await post(`/maintenances/${id}/updates`, { body: 'All checks passed overnight.', notify: true });
  await waitFor(name, 3, 'the notice, the completion and the note');
  const note = (await mailsOf(name)).find((m) => m.subject!.includes('Maintenance update'))!;
  // Before: "Follow it on our status page", for work that is over.
  expect(note.text).toMatch(/\nThe details are on our status page: /);
  expect(note.text).not.toContain('Follow it');
}, 60_000);
