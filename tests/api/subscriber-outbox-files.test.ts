import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openInProcess, type InProcess } from '../helpers/app.ts';
import { until } from '../helpers/poll.ts';
import { subscriberByEmail } from '../helpers/subscribers.ts';
import { CONFIRM_TTL_MS } from '../../src/store/mail/model.ts';

/**
 * A subscriber's removal takes their messages out of DATA_DIR/outbox (no SMTP_URL: one .eml per message,
 * holding the address and live links) at once, on either engine, through the admin API and the retention
 * rule alike: they used to stay up to 30 days, and the address in them is not always written as stored
 * (nodemailer lower-cases the domain), so finding them by address missed some.
 */
const MINUTE = 60_000;
const DAY = 24 * 3600_000;
let p: InProcess | null = null;
afterEach(async () => {
  await p?.close();
  p = null;
});

async function open() {
  const clock = { t: Date.now() };
  p = await openInProcess({ STATIC_SNAPSHOT: 'false' }, { now: () => new Date(clock.t) });
  return { h: p, clock, start: clock.t, outbox: join(p.herald.config.DATA_DIR, 'outbox') };
}

/** Subscribes each address and waits until its confirmation is written; their ids, by address. */
async function subscribed(h: InProcess, outbox: string, emails: string[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const email of emails) {
    await h.herald.notify.subscribe({ email, components: [] }, 'test');
    const s = await until(() => subscriberByEmail(h.herald.notify, email), `${email} stored`);
    ids.set(email, s.id);
  }
  await until(() => [...ids.values()].every((id) => filesOf(outbox, id).length === 1), 'every confirmation written to the outbox');
  // Recorded as sent too: a delivery still queued holds its subscriber back from the retention rule.
  await until(async () => {
    const { confirmations } = await h.herald.notify.outbox.overview({ notices: 0, failed: 0 });
    return confirmations.queued === 0 && confirmations.sent >= emails.length;
  }, 'every confirmation recorded as sent');
  return ids;
}

/** The outbox's files (messages and temp files) named by this subscriber's deliveries. */
const filesOf = (outbox: string, id: string) =>
  existsSync(outbox) ? readdirSync(outbox).filter((f) => f.startsWith(`${id}.`) || f.startsWith(`.${id}.`)) : [];

/** A temp file as writeFileDurably names it, as a crash mid-write leaves it. */
const plantTemp = (outbox: string, id: string) => writeFileSync(join(outbox, `.${id}.confirm.9.eml.4242.tmp`), 'half a message');

describe("a removed subscriber's outbox files", () => {
  it('go with the admin removal (messages and temp files), and nobody else’s', async () => {
    const { h, outbox } = await open();
    const ids = await subscribed(h, outbox, ['Leaving.Reader@Example.ORG', 'staying@example.com']);
    const leaving = ids.get('Leaving.Reader@Example.ORG')!;
    const staying = ids.get('staying@example.com')!;
    // The message says the address as nodemailer wrote it, not as stored: a search by the stored address misses it.
    const [message] = filesOf(outbox, leaving);
    expect(readFileSync(join(outbox, message!), 'utf8')).not.toContain('Leaving.Reader@Example.ORG');
    plantTemp(outbox, leaving);
    plantTemp(outbox, staying);

    expect((await h.admin(`/subscribers/${leaving}`, { method: 'DELETE' })).status).toBe(204);
    // Before: the confirmation and the temp file stayed (until the 30-day sweep; the temp file for ever).
    await until(
      () => filesOf(outbox, leaving).length === 0,
      () => `the removed subscriber's files gone: ${filesOf(outbox, leaving)}`,
      5000,
    );
    expect(filesOf(outbox, staying)).toHaveLength(2);
  });

  it('go with the retention rule’s erasure', async () => {
    const { h, clock, start, outbox } = await open();
    const ids = await subscribed(h, outbox, ['never.confirmed@example.org']);
    const stranger = ids.get('never.confirmed@example.org')!;
    plantTemp(outbox, stranger);

    clock.t = start + CONFIRM_TTL_MS + 7 * DAY + MINUTE;
    await h.herald.notify.sweep();
    expect(await subscriberByEmail(h.herald.notify, 'never.confirmed@example.org')).toBeUndefined();
    // Before: both stayed.
    await until(
      () => filesOf(outbox, stranger).length === 0,
      () => `the erased subscriber's files gone: ${filesOf(outbox, stranger)}`,
      5000,
    );
  });
});
