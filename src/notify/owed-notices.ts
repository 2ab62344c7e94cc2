import type { Db } from '../domain/model.ts';
import type { FailedDelivery, NoticeProgress, OutboxView } from '../store/mail/port.ts';
import type { FollowsNotice } from '../store/mail/unreachable.ts';
import { followsNotices } from './follows-notices.ts';
import { type NoticeIntent, noticeIntents } from './intents.ts';

/**
 * Notices the data owes that the outbox has not begun, listed first: not done, nothing queued yet. A publish
 * answers before its fan-out begins (on PostgreSQL the leader begins it at its next pass, maybe on another
 * replica), and in that gap the outbox alone would say "nothing is queued" of a notice about to go out.
 * `notBegun` are such notices, newest first; `listed` is the outbox's newest `limit` notices, newest first.
 */
export function withNotStarted(notBegun: readonly NoticeIntent[], listed: NoticeProgress[], limit: number): NoticeProgress[] {
  const shown = new Set(listed.map((n) => n.key));
  const pending: NoticeProgress[] = notBegun
    .filter((i) => !shown.has(i.key))
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

/**
 * The newest `limit` notices the data owes since the outbox began (before it, history is not news), newest first;
 * only those of `keys` when given.
 */
export const recentIntents = (db: Db, epoch: string, limit: number, keys?: ReadonlySet<string>): NoticeIntent[] =>
  noticeIntents(db)
    .filter((i) => i.at >= epoch && (!keys || keys.has(i.key)))
    .slice(-limit)
    .reverse();

/** Failures whose subscriber chose other components since, none of their notice's: marked so (unreachable.ts). */
function unfollowedMarked(rows: FailedDelivery[], follows: FollowsNotice): FailedDelivery[] {
  return rows.map((r) =>
    r.unreachable === null && r.components !== null && !follows(r.delivery.intent, r.components)
      ? { ...r, unreachable: 'subscriber_unfollowed' }
      : r,
  );
}

/** The outbox as the console and the admin API read it: with the notices owed but not begun (withNotStarted), and failures marked unfollowed. */
export function owedOutbox(outbox: OutboxView, db: () => Db): OutboxView {
  /**
   * Which recent notices are not begun is asked before the outbox is read: one that begins in between is then
   * in what is read, never in neither (a reader waiting for a settled outbox would take it for settled).
   */
  const notBegun = async (limit: number, keys?: ReadonlySet<string>): Promise<NoticeIntent[]> => {
    const epoch = await outbox.began();
    const recent = epoch === null ? [] : recentIntents(db(), epoch, limit, keys);
    if (recent.length === 0) return [];
    const begun = await outbox.begun(recent.flatMap((i) => (i.legacyKey ? [i.key, i.legacyKey] : [i.key])));
    // A reminder fanned out under its legacy key (before reminders had keys of their own) is not owed again: the
    // fan-out skips it (reminderCoveredBy). One of an earlier start is left out here until its own fan-out begins.
    return recent.filter((i) => !begun.has(i.key) && !(i.legacyKey && begun.has(i.legacyKey)));
  };
  return {
    ...outbox,
    async notices(limit) {
      const owed = await notBegun(limit);
      return withNotStarted(owed, await outbox.notices(limit), limit);
    },
    async noticesOf(keys) {
      const owed = await notBegun(keys.length, new Set(keys));
      return withNotStarted(owed, await outbox.noticesOf(keys), keys.length);
    },
    // Named: a PgOutbox's methods are on its prototype, which the spread above does not copy.
    failures: async (query) => {
      const page = await outbox.failures(query);
      return { ...page, rows: unfollowedMarked(page.rows, followsNotices(db())) };
    },
    failedIds: (intent, follows) => outbox.failedIds(intent, follows),
    retryFailed: (ids, follows) => outbox.retryFailed(ids, follows),
    waiting: () => outbox.waiting(),
    noticesAbout: (incident) => outbox.noticesAbout(incident),
    async overview(limits) {
      const owed = await notBegun(limits.notices);
      const seen = await outbox.overview(limits);
      const failed = unfollowedMarked(seen.failed, followsNotices(db()));
      return { ...seen, failed, notices: withNotStarted(owed, seen.notices, limits.notices) };
    },
  };
}
