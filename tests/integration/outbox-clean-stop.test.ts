import { afterAll, expect, it } from 'vitest';
import { startHerald, tempDataDir, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { fanOutTo, outboxSettled } from '../helpers/mail-flow.ts';

/**
 * A clean stop (SIGTERM: a deploy, a rolling restart) in the middle of a fan-out through a slow relay sends
 * nobody a message twice. Found by a review of replicas: the stop let the SMTP thread go on beginning the
 * messages it held until its 5 s wait ran out, then cut those on the wire, which the relay had accepted and
 * whose answer had not come; after the restart they went out again. Now what is not begun goes back at once.
 */
const N = 60;
let smtp: TestSmtp | undefined;
let h: HeraldProcess | undefined;
const dataDir = tempDataDir();
afterAll(() => stopAll(h, smtp, dataDir));

it('a SIGTERM during a fan-out through a slow relay: the restart sends the rest, nobody gets a message twice', async () => {
  // Each accepted message answered 300 ms late until the restart: 60 over 2 connections would take 9 s, longer
  // than the stop's wait; after it, the relay answers at once.
  let delay = 300;
  smtp = await startSmtp(undefined, { delayMs: () => delay });
  const started = await fanOutTo(dataDir, smtp, N);
  h = started.h;
  const { emails, env } = started;
  await smtp.waitFor(4);
  await h.stop();
  expect(smtp.received.length).toBeLessThan(N);

  delay = 0;
  h = await startHerald({ dataDir, env });
  const out = await outboxSettled(h, 1);
  expect(out.updates[0]).toMatchObject({ sent: N, failed: 0, queued: 0, fanout_done: true });
  const counts = new Map<string, number>();
  for (const r of smtp.received) for (const to of r.to) counts.set(to, (counts.get(to) ?? 0) + 1);
  expect(emails.filter((e) => !counts.has(e))).toEqual([]);
  // Before: the two messages on the wire at the end of the stop's wait arrived twice.
  expect([...counts].filter(([, n]) => n > 1)).toEqual([]);
}, 60_000);
