import type { Db } from '../domain/model.ts';
import type { NoticeProgress, OutboxView } from '../store/mail/port.ts';
import { noticeIntents } from './intents.ts';

/**
 * Notices the data owes that the outbox has not begun: listed first, not done, nothing queued yet.
 * A publish answers before its fan-out begins (on PostgreSQL the leader begins it at its next pass,
 * maybe on another replica), and in that gap the outbox alone would say "nothing is queued" of a
 * notice about to go out. `listed` is the outbox's newest `limit` notices, newest first.
 */
export function withNotStarted(db: Db, epoch: string | null, listed: NoticeProgress[], limit: number): NoticeProgress[] {
  if (epoch === null) return listed;
  // Before its epoch the outbox takes nothing for news; with the list full, an older intent may be a notice cut from it.
  const since = listed.length >= limit ? (listed.at(-1)?.created_at ?? epoch) : epoch;
  const known = new Set(listed.map((n) => n.key));
  const pending: NoticeProgress[] = noticeIntents(db)
    .filter((i) => i.at >= epoch && i.at >= since && !known.has(i.key))
    .reverse()
    .map((i) => ({
      t: 'i',
      key: i.key,
      incident: i.incident.id,
      update: i.update.id,
      kind: i.kind,
      cursor: 0,
      done: false,
      created_at: i.at,
      archived_sent: 0,
      queued: 0,
      sent: 0,
      failed: 0,
    }));
  return [...pending, ...listed].slice(0, limit);
}

/** The outbox as the console and the admin API read it: with the notices owed but not begun (withNotStarted). */
export function owedOutbox(outbox: OutboxView, db: () => Db): OutboxView {
  return {
    ...outbox,
    async notices(limit) {
      const [listed, epoch] = await Promise.all([outbox.notices(limit), outbox.began()]);
      return withNotStarted(db(), epoch, listed, limit);
    },
    async overview(limits) {
      const [seen, epoch] = await Promise.all([outbox.overview(limits), outbox.began()]);
      return { ...seen, notices: withNotStarted(db(), epoch, seen.notices, limits.notices) };
    },
  };
}
