import { describe, expect, it } from 'vitest';
import { declareIncident } from '../../src/domain/incidents/declare.ts';
import { withNotStarted } from '../../src/notify/owed-notices.ts';
import type { NoticeProgress } from '../../src/store/mail/port.ts';
import { ctx, db, T0 } from '../helpers/db.ts';

/**
 * The deliveries list between a publish and its fan-out: a notice the data owes and the outbox has not
 * begun is listed, not done, with nothing queued; what the outbox already lists, or cut from a full list,
 * or owed before the outbox began, is not listed again.
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
  it('are listed first, newest first, not done and with nothing queued', () => {
    const listed = [begun(ids[0]!, 1)];
    const all = withNotStarted(d, at(0), listed, 10);
    expect(all.map((n) => [n.key, n.done, n.queued + n.sent + n.failed])).toEqual([
      [ids[2], false, 0],
      [ids[1], false, 0],
      [ids[0], true, 3],
    ]);
    expect(all[0]).toMatchObject({ created_at: at(20), kind: 'disruption' });
  });

  it('are none before the outbox began, and none that were owed before its epoch', () => {
    expect(withNotStarted(d, null, [], 10)).toEqual([]);
    expect(withNotStarted(d, at(15), [], 10).map((n) => n.key)).toEqual([ids[2]]);
  });

  it('with the list full, an older notice cut from it is not taken for one not begun; the list keeps its limit', () => {
    // The outbox's two newest, the older of them begun at minute 12: the notice of minute 0 is older, so cut, not owed.
    const full = [begun('later', 30), begun(ids[1]!, 12)];
    expect(withNotStarted(d, at(0), full, 2).map((n) => n.key)).toEqual([ids[2], 'later']);
    // Not full, the list is the whole outbox: the notice of minute 0 is in the data and not in it, so not begun.
    expect(withNotStarted(d, at(0), full, 3).map((n) => n.key)).toEqual([ids[2], ids[0], 'later']);
  });
});
