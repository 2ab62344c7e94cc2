import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { expect } from 'vitest';
import { until } from './poll.ts';
import type { HeraldProcess } from './server.ts';

let markers = 0;
const subscribed = new WeakSet<HeraldProcess>();

/**
 * One confirmed subscriber of everything, through the confirmation email Herald writes to its outbox folder
 * (no SMTP server): on PostgreSQL the fan-out logs its line only when it queued a delivery.
 */
async function markerSubscriber(h: HeraldProcess): Promise<void> {
  if (subscribed.has(h)) return;
  const outbox = join(h.dataDir, 'outbox');
  const res = await fetch(`${h.url}/api/subscribers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `log-marker-${process.pid}@example.com` }),
  });
  expect(res.status, 'the marker subscriber').toBe(202);
  const file = await until(
    () => (existsSync(outbox) ? readdirSync(outbox).find((f) => f.endsWith('.eml') && f.includes('.confirm.')) : undefined),
    "the marker subscriber's confirmation in the outbox folder",
    10_000,
  );
  const mail = await simpleParser(readFileSync(join(outbox, file)));
  const link = /https?:\/\/\S+\/subscribe\/confirm\/[A-Za-z0-9._-]+/.exec(mail.text ?? '')?.[0];
  if (!link) throw new Error(`no confirmation link in ${file}:\n${mail.text}`);
  const confirmed = await fetch(h.url + new URL(link).pathname, {
    method: 'POST',
    headers: { origin: h.url, 'content-type': 'application/x-www-form-urlencoded' },
    body: '',
  });
  expect(await confirmed.text(), 'the marker subscriber confirmed').toContain('You are subscribed');
  subscribed.add(h);
}

/**
 * What Herald printed while `run` ran and until a marker line written after
 * it: a line that comes late (an error logged once a closed connection is
 * noticed, a rejection nobody awaited) is caught, where waiting a fixed time
 * let it through on a slow machine. It proves what was written before the
 * marker was read, not that Herald will never react to `run` later (on a
 * timer of its own); each marker is a real incident in the server's data. The marker is the outbox's line for an
 * incident declared after `run` (fanned out to the marker's own subscriber, and
 * logged, on either engine); whatever `run` made Herald write before it was
 * already in the pipes when the marker was, so it has been read once the
 * marker has. Returns the output in between, marker excluded.
 */
export async function printedDuring(h: HeraldProcess, run: () => Promise<unknown>): Promise<string> {
  await markerSubscriber(h);
  const from = h.output().length;
  await run();
  const name = `Log marker ${process.pid}-${++markers}`;
  const res = await h.admin('/incidents', { body: { name, impact: 'major', body: 'A marker for the log.', notify: true } });
  expect(res.status, `the marker incident: ${await res.clone().text()}`).toBe(201);
  const { id } = (await res.json()) as { id: string };
  const line = new RegExp(`^\\[outbox\\] [^\\n]*\\(${id}\\): \\d+ deliveries queued[^\\n]*\\n`, 'm');
  await until(() => line.test(h.output().slice(from)), 'the marker line in the log', 10_000);
  const printed = h.output().slice(from);
  return printed.replace(line, '');
}
