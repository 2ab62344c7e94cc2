import { afterAll, expect, it } from 'vitest';
import { startHerald, tempDataDir, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { fanOutTo, outboxSettled } from '../helpers/mail-flow.ts';

const N = 2000;
let smtp: TestSmtp | undefined;
let h: HeraldProcess | undefined;
const dataDir = tempDataDir();
afterAll(() => stopAll(h, smtp, dataDir));

it('a SIGKILL in the middle of a 2,000-recipient fan-out loses nobody; duplicates only near the kill', async () => {
  smtp = await startSmtp();
  const started = await fanOutTo(dataDir, smtp, N);
  h = started.h;
  const { emails, env } = started;
  // Kill once a good part, but not all, has been accepted by the SMTP server.
  await smtp.waitFor(300);
  await h.kill();
  const acceptedBeforeKill = smtp.received.length;
  expect(acceptedBeforeKill).toBeLessThan(N);

  h = await startHerald({ dataDir, env });
  const out = await outboxSettled(h, 1);
  expect(out.updates[0]).toMatchObject({ sent: N, failed: 0, queued: 0, fanout_done: true });

  const perRecipient = new Map<string, number[]>();
  smtp.received.forEach((r, index) => {
    for (const rcpt of r.to) perRecipient.set(rcpt, [...(perRecipient.get(rcpt) ?? []), index]);
  });
  // Every subscriber has the notice.
  expect(emails.filter((e) => !perRecipient.has(e))).toEqual([]);
  // A duplicate is a message the server accepted just before the kill, before Herald recorded it as
  // sent; the resend carries the same Message-ID. Nothing accepted well before the kill is sent again.
  const duplicates = [...perRecipient.entries()].filter(([, idx]) => idx.length > 1);
  for (const [, idx] of duplicates) {
    expect(idx).toHaveLength(2);
    expect(idx[0]!).toBeGreaterThanOrEqual(acceptedBeforeKill - 100);
    expect(idx[0]!).toBeLessThan(acceptedBeforeKill);
    expect(smtp.received[idx[0]!]!.messageId).toBe(smtp.received[idx[1]!]!.messageId);
  }
  expect(smtp.received.length).toBe(N + duplicates.length);
}, 120_000);
