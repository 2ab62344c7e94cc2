import { describe, expect, it } from 'vitest';
import { declareIncident } from '../../src/domain/incidents/declare.ts';
import { recentIntents, withNotStarted } from '../../src/notify/owed-notices.ts';
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
