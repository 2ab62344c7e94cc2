import type { Delivery } from '../store/mail/model.ts';
import type { PgOutbox } from '../store/mail/pg-outbox.ts';
import type { Claimed } from '../store/mail/pg-claims.ts';
import { retryWrite } from '../store/pg/retry.ts';

/** Outcomes are recorded at least this often during a batch, or once this many are waiting. */
const SETTLE_EVERY_MS = 200;
const SETTLE_BATCH = 50;

export interface BatchOptions {
  outbox: Pick<PgOutbox, 'settle' | 'renew' | 'release'>;
  replica: string;
  leaseMs: number;
  /** Sends at once (the mailer's window). */
  concurrency: number;
  /** Shutdown: nothing more is sent, and recording is not tried again. */
  stopped: () => boolean;
  /** Sending paused: what is left of the batch is given back unsent. */
  paused: () => boolean;
  /** Sends one delivery: its new record, or null when it stays queued (given back). */
  sendOne: (c: Claimed) => Promise<Delivery | null>;
}

/**
 * Sends one batch of claimed deliveries of the shared outbox and records
 * what became of each. Outcomes are recorded as they come (every
 * SETTLE_EVERY_MS or SETTLE_BATCH of them), not at the end of the batch, and
 * the leases of what is not yet recorded are renewed meanwhile: a slow relay
 * must not let another replica take (and send again) what this one already
 * sent. Once PostgreSQL refuses a recording or a renewal (a restart, an
 * outage, a timeout), nothing more of the batch is sent: what is sent but not
 * recorded can only grow while it is away. Outcomes it did not take are kept
 * and recorded on a later try, for as long as this process runs (the other
 * replicas do not take a live one's expired leases, pg-leases.ts); the batch
 * ends once all are recorded and what was not sent is given back.
 */
export async function sendClaimed(claimed: readonly Claimed[], o: BatchOptions): Promise<void> {
  const held = new Set(claimed.map((c) => c.delivery.id));
  let outcomes: Delivery[] = [];
  const untouched: string[] = [];
  /** A recording or a renewal failed: the rest of the batch is not sent (it is given back once the outcomes are recorded). */
  let refused = false;
  const noting = <R>(write: Promise<R>): Promise<R> =>
    write.catch((err: unknown) => {
      refused = true;
      throw err;
    });
  /** The recording under way, and its deliveries: one at a time, so a slow database does not pile them up. */
  let recording: Promise<void> | null = null;
  const settling = new Set<string>();
  const record = (): Promise<void> => {
    recording ??= (async () => {
      const batch = outcomes;
      outcomes = [];
      for (const d of batch) settling.add(d.id);
      try {
        await noting(o.outbox.settle(batch, o.replica));
        for (const d of batch) held.delete(d.id);
      } catch (err) {
        outcomes = batch.concat(outcomes);
        throw err;
      } finally {
        settling.clear();
        recording = null;
      }
    })();
    return recording;
  };
  /** Everything so far: after the recording under way (whatever came meanwhile is not in it), one more. */
  const recordAll = async (): Promise<void> => {
    await recording?.catch(() => {});
    await record();
  };
  const recorder = setInterval(() => void record().catch(() => {}), SETTLE_EVERY_MS);
  // A renewal PostgreSQL refused is tried again at once, not a third of a lease later: two refused in a row would
  // end the leases, and another replica would send again what this one sent and has not yet recorded. The rows
  // being recorded are left out: the two statements would lock them in different orders.
  const renew = () =>
    retryWrite(
      () =>
        noting(
          o.outbox.renew(
            [...held].filter((id) => !settling.has(id)),
            o.replica,
            o.leaseMs,
          ),
        ),
      {
        forMs: o.leaseMs / 3,
        stopped: o.stopped,
      },
    ).catch(() => {});
  const renewer = setInterval(() => void renew(), o.leaseMs / 3);
  try {
    let next = 0;
    const lane = async () => {
      for (let i = next++; i < claimed.length; i = next++) {
        const c = claimed[i]!;
        const outcome = o.stopped() || o.paused() || refused ? null : await o.sendOne(c);
        if (!outcome) untouched.push(c.delivery.id);
        else if (outcomes.push(outcome) >= SETTLE_BATCH) void record().catch(() => {});
      }
    };
    await Promise.all(Array.from({ length: Math.min(o.concurrency, claimed.length) }, lane));
    clearInterval(recorder);
    // The last outcomes, tried again (their leases still renewed) until PostgreSQL takes them, however long it
    // is away: what was sent is recorded as sent, not dropped and sent again. Given up on only at shutdown;
    // the at-least-once bound of a replica that died applies then.
    await retryWrite(recordAll, { forMs: Number.POSITIVE_INFINITY, stopped: o.stopped });
    await retryWrite(() => o.outbox.release(untouched, o.replica), { forMs: o.leaseMs, stopped: o.stopped });
  } finally {
    clearInterval(recorder);
    clearInterval(renewer);
  }
}
