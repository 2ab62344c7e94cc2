import type { HeraldCore } from '../herald.ts';
import { CONFIRM_TTL_MS, confirmationDelivery, type Subscriber } from '../store/mail/model.ts';
import type { SharedMail } from '../store/mail/open.ts';
import type { Mailer } from './transport.ts';
import { Composer } from './compose.ts';
import { Passes } from './passes.ts';
import { OutageGrace } from './outage-grace.ts';
import { retryWrite } from '../store/pg/retry.ts';
import type { MailEngine, Sending } from './service.ts';
import { subscribeLimits } from './subscribe-limits.ts';
import { sharedSending } from './shared-sending.ts';
import { sharedFanOut } from './shared-fanout.ts';

/** How often an idle replica looks for deliveries to claim (made by the leader's fan-out, or due for a retry). */
const POLL_MS = 250;
/** How often the leader forgets ended subscribe-limit windows and erases subscribers past retention. */
const SWEEP_MS = 5 * 60_000;

/**
 * Email on PostgreSQL, for any number of replicas: subscribers, notices and
 * deliveries in shared tables (src/store/mail/pg-*.ts). The leader fans a
 * notice out (shared-fanout.ts: a batch of subscribers per transaction, by
 * cursor: memory holds one batch); every replica claims queued deliveries in
 * batches with a lease, sends them and records the outcomes (shared-sending.ts),
 * so one fan-out is spread over all of
 * them, and what a dead replica had claimed is sent by the others once its
 * lease expires (same delivery id, so the same Message-ID). Subscribe limits
 * are counted in the database, across replicas.
 */
export function openSharedOutbox(herald: HeraldCore, mail: SharedMail, mailer: Mailer, workers = true): MailEngine {
  const { config: cfg, log, now } = herald;
  const replica = herald.storage.replica;
  const { subscribers, outbox } = mail;
  let composer: Composer | null = null;
  /** When the outbox began: the start reads it, the fan-out (shared-fanout.ts) too. */
  const epoch: { at: string | null } = { at: null };
  const concurrency = mailer.window ?? 4;
  const leaseMs = cfg.MAIL_LEASE_SECONDS * 1000;
  let stopped = false;
  /** Fed by the poll below (every POLL_MS): whether PostgreSQL is back long enough to take over a gone replica's claims. */
  const grace = new OutageGrace(leaseMs);

  // The pause is shared (mail_outbox): this is this replica's copy, read again with every poll.
  // Each poll takes the next ticket, and so does each of this replica's own pauses and resumes once written. A
  // poll's answer is applied only if nothing with a later ticket was: not after a newer poll's answer (polls
  // may overlap on a slow query), nor after an own pause or resume written since the poll was asked. While one
  // is being written, no poll's answer is applied at all: the poll may have read the row before the write
  // reached it (another session holding the row, a slow database), and would undo it.
  let ticket = 0;
  let applied = 0;
  let writing = 0;
  /** Writes this replica's own pause or resume (see above). */
  const ownWrite = async (write: () => Promise<void>): Promise<void> => {
    writing++;
    try {
      await write();
    } finally {
      writing--;
      applied = ++ticket;
    }
  };
  const sending: Sending = {
    paused: null,
    lastError: null,
    async resume() {
      const was = sending.paused;
      // Saved first: a resume not saved would be undone by the next poll while the operator read "resumed".
      // Saved even when this replica saw no pause: another may have paused since its last poll (up to 250 ms),
      // and "not paused" must be true of the shared row, not of this copy.
      await ownWrite(() => outbox.resume());
      sending.paused = null;
      if (was) log(`[outbox] queue resumed on every replica (was paused: ${was.reason})`);
      void pump();
    },
  };

  const drain = sharedSending({
    herald,
    mail,
    mailer,
    sending,
    composer: () => composer,
    replica,
    leaseMs,
    concurrency,
    grace,
    ownWrite,
    stopped: () => stopped,
  });

  const sends = new Passes(
    drain,
    // The database is away: the poll tries again; a claim given back unsent is taken again once its lease ends
    // (by this replica, or by another if this one is gone).
    (err) => log(`[outbox] sending stopped for now: ${(err as Error).message}`),
    () => stopped,
  );
  const pump = (): Promise<void> => sends.run();

  const fanOutPass = sharedFanOut({ herald, outbox, epoch, stopped: () => stopped, pump });
  /** The start or the last fan-out pass failed (the database away): the poll below runs it again. */
  let fanFailed = false;
  const fanOuts = new Passes(
    fanOutPass,
    (err) => {
      fanFailed = true;
      log(`[outbox] fan-out stopped: ${(err as Error).message}; it is tried again shortly`);
    },
    () => stopped,
  );
  /** Fan-out runs on the leader only (its steps lock the notice, so a handover cannot make one twice). */
  const kick = (): Promise<void> => (stopped || !herald.storage.leadership.isLeader ? Promise.resolve() : fanOuts.run());

  const queueConfirmation = async (s: Subscriber): Promise<void> => {
    const d = confirmationDelivery(s, now().toISOString());
    // The subscriber was answered: a statement failing for a moment must not leave them without their link.
    if (await retryWrite(() => outbox.create(d), { forMs: leaseMs, stopped: () => stopped })) void pump();
  };

  const opened = mail.tokens.then((tokens) => {
    composer = new Composer(cfg, tokens);
  });
  /** Whether the start's repair of lost confirmations has run; until it has, the poll runs the start again. */
  let confirmationsRepaired = false;
  const start = async (): Promise<void> => {
    await opened;
    epoch.at = await outbox.epoch(now());
    if (!confirmationsRepaired) {
      // A confirmation lost between the subscriber's row and its delivery (a replica died between the two) is made again.
      await outbox.resumeConfirmations(new Date(now().getTime() - CONFIRM_TTL_MS), now());
      confirmationsRepaired = true;
    }
    await kick();
    void pump();
  };
  const started = (p: Promise<void>): Promise<void> => {
    p.catch((err: Error) => {
      // Tried again by the poll, from the step that failed on.
      fanFailed = true;
      log(`[outbox] not started yet: ${err.message}`);
    });
    return p;
  };
  // Reading only (see OpenOptions.workers): the link key is read, nothing is claimed, fanned out or sent.
  const ready = workers ? started(start()) : opened;
  /** The start as last run (the poll runs it again after a failure): shutdown waits for it. */
  let starting = ready;

  const poller = setInterval(() => {
    if (!workers) return;
    const poll = ++ticket;
    void outbox
      .paused()
      .then((paused) => {
        grace.answered(Date.now());
        if (poll < applied || writing > 0) return;
        applied = poll;
        // Paused by another replica: what this one handed to its mailer waits no longer.
        if (paused && !sending.paused) mailer.hold();
        sending.paused = paused;
        if (!sends.current && !paused) void pump();
        if (fanFailed && !fanOuts.current) {
          fanFailed = false;
          if (confirmationsRepaired) void kick();
          else starting = started(start()).catch(() => {});
        }
      })
      .catch(() => grace.failed());
  }, POLL_MS);
  poller.unref();
  const sweep = async (): Promise<void> => {
    await outbox.sweepLimits(now()).catch(() => {});
    const erased = await subscribers.eraseStale(now());
    if (erased.length === 0) return;
    // This replica's outbox folder only: another replica's keeps its messages until its 30-day sweep.
    void mailer.forget(erased);
    log(`[outbox] erased ${erased.length} subscriber(s) past retention (never confirmed, or unsubscribed long ago)`);
  };
  // The leader's alone: one replica erasing is enough, and it runs the periodic work.
  const sweeper = setInterval(() => {
    if (workers && herald.storage.leadership.isLeader) void sweep().catch((e: Error) => log(`[outbox] retention failed: ${e.message}`));
  }, SWEEP_MS);
  sweeper.unref();
  const unwatch = herald.store.onChange(() => {
    if (workers) void kick();
  });
  const unlead = herald.storage.leadership.onChange((leading) => {
    if (leading && workers) void kick();
  });

  return {
    subscribers,
    outbox,
    sending,
    opened,
    ready,
    queueConfirmation,
    sweep,
    requeued: () => void pump(),
    kick,
    limits: subscribeLimits(cfg, subscribers.limitKeys, ({ key, limit, windowMs }) => outbox.hit(key, limit, windowMs, now())),
    async close() {
      stopped = true;
      clearInterval(poller);
      clearInterval(sweeper);
      unwatch();
      unlead();
      await starting.catch(() => {});
      await fanOuts.current;
      // What the SMTP thread holds but has not begun goes back unattempted (stays queued): begun at a slow relay's
      // pace, a stop cut the messages then on the wire at its end, some accepted, and another replica sent them again.
      mailer.hold();
      // Sends under way get a few seconds to finish and be recorded; a hung server must not block shutdown
      // (an unrecorded send is taken again by another replica when its lease ends: the at-least-once bound).
      const inFlight = sends.current;
      if (inFlight) await Promise.race([inFlight, new Promise((r) => setTimeout(r, 5000).unref())]);
      mailer.close();
    },
  };
}
