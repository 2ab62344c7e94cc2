import type { HeraldCore } from '../herald.ts';
import { findEvent } from '../domain/model.ts';
import type { PgOutbox } from '../store/mail/pg-outbox.ts';
import { noticeIntents } from './intents.ts';
import { existingIds, noticeComponents } from '../domain/components/following.ts';
import { caughtUp } from '../store/document-store.ts';

/** Subscribers walked per fan-out transaction. */
const FANOUT_BATCH = 1000;

/** What the shared outbox (shared-outbox.ts) shares with the leader's fan-out. */
export interface FanOutContext {
  herald: HeraldCore;
  outbox: PgOutbox;
  /** When the outbox began (PgFanOut.epoch): older notices are history. Read by the start too. */
  epoch: { at: string | null };
  stopped: () => boolean;
  /** Sends what a step queued. */
  pump: () => Promise<void>;
}

/**
 * One pass of the leader's fan-out on PostgreSQL: every notice of the document not fanned out yet becomes
 * queued deliveries, a batch of subscribers per step (PgFanOut.fanOutStep). Returns the pass; the shared
 * outbox runs it on the leader only.
 */
export function sharedFanOut({ herald, outbox, epoch, stopped, pump }: FanOutContext): () => Promise<void> {
  const { log, now } = herald;
  const fannedOut = new Set<string>();
  /**
   * A fan-out cut short (a change of leader, the database away) and then withdrawn is listed by no later pass
   * (its notice left with its incident), so it is ended here, or it would stay unfinished for good. Only what
   * is still missing once the copy is caught up was withdrawn: a new leader's copy may not hold it yet.
   */
  const endWithdrawn = async (): Promise<void> => {
    const gone = (rows: Array<{ key: string; incident: string }>) => rows.filter((r) => !findEvent(herald.store.data, r.incident));
    const seemGone = gone(await outbox.unfinished());
    if (seemGone.length === 0 || !(await caughtUp(herald.store))) return;
    for (const r of gone(seemGone)) await outbox.endFanOut(r.key);
  };
  const fanOutPass = async (): Promise<void> => {
    if (!epoch.at) epoch.at = await outbox.epoch(now());
    await endWithdrawn();
    for (const notice of noticeIntents(herald.store.data)) {
      if (notice.at < epoch.at || fannedOut.has(notice.key)) continue;
      const started = Date.now();
      let created = 0;
      // Components as of the notice's fan-out: a follower of only deleted ones hears about everything.
      const existing = [...existingIds(herald.store.data)];
      let withdrawn = false;
      for (;;) {
        if (stopped() || !herald.storage.leadership.isLeader) return;
        // Withdrawn meanwhile: the rest of the subscribers are owed nothing (see FanOut).
        if (!findEvent(herald.store.data, notice.incident.id)) {
          // If begun (here or by a leader before), the Deliveries page would show it fanning out for good.
          await outbox.endFanOut(notice.key);
          withdrawn = true;
          break;
        }
        const step = await outbox.fanOutStep(
          {
            key: notice.key,
            incident: notice.incident.id,
            update: notice.update.id,
            kind: notice.kind,
            // Its components and those taken off it: their followers were told it started.
            components: noticeComponents(notice.incident),
            existing,
            ...(notice.legacyKey ? { legacy: { key: notice.legacyKey, at: notice.at } } : {}),
          },
          FANOUT_BATCH,
          now(),
        );
        created += step.created;
        if (step.created > 0) void pump();
        if (step.done) break;
      }
      fannedOut.add(notice.key);
      if (created > 0)
        log(
          `[outbox] ${notice.kind} ${notice.key} (${notice.incident.id}): ${created} deliveries queued in ${Date.now() - started} ms${withdrawn ? ', then withdrawn: the fan-out stopped' : ''}`,
        );
    }
  };
  return fanOutPass;
}
