import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { declareIncident } from '../../src/domain/incidents/declare.ts';
import { owedOutbox, recentIntents, withNotStarted } from '../../src/notify/owed-notices.ts';
import { incidentNoticeKeys } from '../../src/console/email-said.ts';
import { Journal } from '../../src/store/journal.ts';
import { embeddedOutbox } from '../../src/store/mail/embedded.ts';
import { DeliveryLedger } from '../../src/store/mail/ledger.ts';
import { SubscriberBook } from '../../src/store/mail/subscriber-book.ts';
import { LinkTokens } from '../../src/store/mail/tokens.ts';
import type { NoticeProgress } from '../../src/store/mail/port.ts';
import { ctx, db, T0 } from '../helpers/db.ts';

/**
 * The deliveries list between a publish and its fan-out: a notice the data owes and the outbox has not
 * begun is listed, not done, with nothing queued; one owed before the outbox began is not news, and one the
 * outbox lists is listed once. (Which are begun the outbox says by key: pg-replicas tests that end to end.)
 */
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000).toISOString();
const d = db([{ id: 'api' }]);
const ids = [0, 10, 20].map(
  (m) =>
    declareIncident(ctx(d, m), {
      name: `At ${m}`,
      impact: 'major',
      status: 'investigating',
      body: 'Looking.',
      components: { api: 'major_outage' },
      notify: true,
    }).updates[0]!.id,
);
const begun = (key: string, minutes: number): NoticeProgress => ({
  t: 'i',
  key,
  incident: 'x',
  update: key,
  kind: 'disruption',
  cursor: 5,
  done: true,
  created_at: at(minutes),
  archived_sent: 0,
  queued: 0,
  sent: 3,
  failed: 0,
});

describe('notices owed but not begun', () => {
  const intents = recentIntents(d, at(0), 10);

  it("are the data's newest since the outbox began, newest first, at most the limit", () => {
    expect(intents.map((i) => i.key)).toEqual([ids[2], ids[1], ids[0]]);
    expect(recentIntents(d, at(15), 10).map((i) => i.key)).toEqual([ids[2]]);
    expect(recentIntents(d, at(0), 2).map((i) => i.key)).toEqual([ids[2], ids[1]]);
  });

  it('are listed first, not done and with nothing queued, before what the outbox lists', () => {
    const all = withNotStarted(intents.slice(0, 2), [begun(ids[0]!, 1)], 10);
    expect(all.map((n) => [n.key, n.done, n.queued + n.sent + n.failed])).toEqual([
      [ids[2], false, 0],
      [ids[1], false, 0],
      [ids[0], true, 3],
    ]);
    expect(all[0]).toMatchObject({ created_at: at(20), kind: 'disruption' });
  });

  it('one the outbox lists meanwhile is listed once, as the outbox has it; the list keeps its limit', () => {
    const listed = [begun('later', 30), begun(ids[1]!, 12)];
    expect(withNotStarted(intents.slice(0, 2), listed, 10).map((n) => [n.key, n.done])).toEqual([
      [ids[2], false],
      ['later', true],
      [ids[1], true],
    ]);
    expect(withNotStarted(intents.slice(0, 2), listed, 2).map((n) => n.key)).toEqual([ids[2], 'later']);
  });
});

describe('notices read by key (noticesOf)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-owed-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // From a review: the incident page and the Withdraw question read an incident's notices by key, and the one
  // published a moment ago (owed, its fan-out not begun) must read as under way, not as unknown.
  it('gives those asked for: one owed but not begun as not done with nothing queued, one begun as the outbox has it', async () => {
    const ledger = new DeliveryLedger(new Journal(join(dir, 'deliveries.jsonl')));
    await ledger.init(T0);
    await ledger.recordFanOut([], { ...begun(ids[0]!, 1), cursor: 0 });
    const book = new SubscriberBook(new Journal(join(dir, 'subscribers.jsonl')), LinkTokens.open(dir));
    const outbox = owedOutbox(
      embeddedOutbox(ledger, book, () => 0),
      () => d,
    );

    const read = await outbox.noticesOf([ids[0]!, ids[1]!, 'no-such-notice']);
    expect(read.map((n) => [n.key, n.done, n.queued + n.sent + n.failed])).toEqual([
      [ids[1], false, 0],
      [ids[0], true, 0],
    ]);
    expect(read[0]).toMatchObject({ created_at: at(10), kind: 'disruption' });
    // Only those asked for: the newest owed notice (ids[2]) is not among them.
    expect((await outbox.noticesOf([ids[0]!])).map((n) => n.key)).toEqual([ids[0]]);
  });

  // The Withdraw question counts an incident's emails by these keys: before, it kept the incident's among the
  // outbox's newest 1,000 notices, and an incident with 1,000 newer ones counted none.
  it("finds an incident's notices by its keys behind more than a thousand newer ones", async () => {
    const ledger = new DeliveryLedger(new Journal(join(dir, 'many.jsonl')));
    await ledger.init(T0);
    await ledger.recordFanOut([], { ...begun(ids[0]!, 1), cursor: 0 });
    for (let i = 0; i < 1001; i++) await ledger.recordFanOut([], { ...begun(`newer-${i}`, 2), cursor: 0 });
    const outbox = embeddedOutbox(
      ledger,
      new SubscriberBook(new Journal(join(dir, 'many-subscribers.jsonl')), LinkTokens.open(dir)),
      () => 0,
    );
    expect((await outbox.notices(1000)).some((n) => n.key === ids[0])).toBe(false);
    const incident = d.incidents.find((i) => i.updates[0]!.id === ids[0])!;
    expect((await outbox.noticesOf(incidentNoticeKeys(incident))).map((n) => [n.key, n.done])).toEqual([[ids[0], true]]);
  });
});
