import { setTimeout as sleep } from 'node:timers/promises';
import type { HeraldCore } from '../herald.ts';
import type { Channel } from '../domain/channels/model.ts';
import { Passes } from '../notify/passes.ts';
import { OutageGrace } from '../notify/outage-grace.ts';
import { channelMessages, latestUpdate, toDelivery } from './plan.ts';
import type { ChannelDelivery, ChannelLedger } from '../store/channels/ledger.ts';
import { claimMarkMs } from '../store/channels/pg-ledger.ts';
import { postTestMessage } from './test-post.ts';
import { freshStarts } from './fresh-start.ts';
import { deliverer } from './deliver.ts';
import { InDoubt } from './in-doubt.ts';
import { failedPosts, type FailedPost } from '../read/failed-posts.ts';

/**
 * Several replicas (PostgreSQL) share one channel outbox in the database,
 * and only the leader plans and posts, so each post is made once and a
 * channel's posts go out in order. A replica that starts leading reads the
 * outbox again and posts what waits there, from where the old leader's
 * planning mark stopped. A leader marks each post in the outbox before it
 * makes it (PgChannelLedger.claim): a new leader waits for a post the old one
 * may still be making (a leader can lose the lead mid-post, its session cut
 * or its check timed out), reading it again every few seconds until the old
 * leader has recorded it (in-doubt.ts); a post the old leader had made but
 * not recorded when it died goes out again, with the same webhook-id (at
 * least once): at once when its process is gone (no connection of it left:
 * PgChannelLedger.claimantGone), else once the mark has passed. Not at once
 * for a while after PostgreSQL was away (OutageGrace): every replica is
 * reconnecting then, and a live old leader not back yet looks gone.
 * The others read the outbox every few seconds, for the counts the console
 * shows. On the embedded engine the one process always leads.
 */

/** How often a replica that does not lead reads the shared channel outbox again (its counts). */
const FOLLOWER_REFRESH_MS = 2_000;

export interface ChannelStatus {
  queued: number;
  sent: number;
  failed: number;
  last_error: { at: string; error: string } | null;
}

export interface Channels {
  ledger: ChannelLedger;
  /** Resolves once queued deliveries are resumed and the first planning pass ran. */
  ready: Promise<void>;
  /** Sends a test message now (outside the outbox) and reports the receiver's answer. */
  test(channel: Channel): Promise<{ ok: boolean; status: number | null; error: string | null }>;
  status(channelId: string): ChannelStatus;
  /** The newest of the messages a channel did not get, named for the console and the admin API (read/failed-posts.ts). */
  failed(channelId: string): FailedPost[];
  /** Resolves when nothing is being planned or posted and nothing is due now (tests and benchmarks). */
  settled(): Promise<void>;
}

/**
 * The channel worker: plans deliveries from the data on every change (one
 * durable append per pass), and posts them, each channel on its own in the
 * order its deliveries were made (a war room reads declare → identified →
 * resolved), one request at a time per channel, so a slow or hanging receiver
 * delays nothing but itself. Retries back off with jitter; 10 failures in a
 * row pause the channel, a refused URL (3xx, 401, 403, 404, 410) disables it (both in the data, shown in the
 * console, until resumed). A shutdown waits for posts under way and records
 * them; a crash mid-post leaves the delivery queued: it is posted again after
 * the restart with the same webhook-id (at least once).
 */
export function openChannels(herald: HeraldCore, workers = true): Channels {
  const cfg = herald.config;
  // Several replicas share the outbox (PostgreSQL): only the leader plans and posts (see above).
  const shared = herald.storage.engine === 'postgres';
  const leads = () => herald.storage.leadership.isLeader;
  /**
   * Whether a gone replica's claims may be taken before their marks pass: not for one mark's length after
   * PostgreSQL was away, as this replica's outbox statements or its leadership connection found.
   */
  const grace = new OutageGrace(claimMarkMs(cfg.CHANNEL_TIMEOUT_MS));
  const mayTakeOver = () => grace.takeOver(Date.now());
  const ledger = herald.storage.openChannelLedger({ answered: () => grace.answered(Date.now()), unreachable: () => grace.failed() });
  const unlost = herald.storage.leadership.onConnectionLost(() => grace.failed());
  const queues = new Map<string, string[]>();
  /** The delivery each channel is posting now. */
  const busy = new Map<string, string>();
  /** Posts under way (the shutdown waits for them to be recorded). */
  const inFlight = new Set<Promise<void>>();
  const wakeTimers = new Map<string, NodeJS.Timeout>();
  /** Posts another leader may be making: their channel looks at the outbox again until they are recorded. */
  const inDoubt = new InDoubt(claimMarkMs(cfg.CHANNEL_TIMEOUT_MS));
  const failuresInRow = new Map<string, number>();
  let stopped = false;
  /** This replica started leading: its next planning pass first reads the shared outbox again (see above). */
  let takeOver = false;
  /** The last planning pass failed (the database or the disk away): the timer below tries again. */
  let planFailed = false;
  /** The planning mark as read from the outbox at the start or the takeover (see channelMessages). */
  let readMark = '';
  /**
   * The outbox opened and `readMark` read: no pass plans before (a journal read at construction has its mark
   * while it opens, and a change meanwhile must not plan with no `readMark`).
   */
  let started = false;
  const post = { allowPrivate: cfg.ALLOW_PRIVATE_WEBHOOKS, timeoutMs: cfg.CHANNEL_TIMEOUT_MS };
  const retry = { baseMs: cfg.CHANNEL_RETRY_BASE_MS, maxMs: cfg.CHANNEL_RETRY_MAX_MS };
  const deliver = deliverer({ herald, ledger, inDoubt, failuresInRow, post, retry, takeOver: mayTakeOver, stopped: () => stopped });

  const enqueue = (ds: readonly ChannelDelivery[]) => {
    for (const d of ds) {
      if (d.state !== 'queued') continue;
      let q = queues.get(d.channel);
      if (!q) queues.set(d.channel, (q = []));
      q.push(d.id);
    }
    for (const channel of new Set(ds.map((d) => d.channel))) drain(channel);
  };

  /** One planning pass: the leader's alone, since its mark is the shared one, which a follower must not move. */
  const planPass = async (): Promise<void> => {
    planFailed = false;
    if (!leads()) return;
    if (takeOver) {
      // Read inside the pass, so that no other pass plans from the mirror while it is replaced.
      await ledger.refresh(() => leads());
      if (!leads()) return;
      takeOver = false;
      readMark = ledger.since ?? '';
      queues.clear();
      inDoubt.clear();
      inDoubt.note(ledger.queued(), herald.now().getTime());
      enqueue(ledger.queued());
    }
    const db = herald.store.data;
    const now = herald.now();
    const since = ledger.since!;
    const fresh: ChannelDelivery[] = [];
    for (const m of channelMessages(db, since, readMark, ledger.postmortemsFrom))
      if (!ledger.has(m.key)) fresh.push(toDelivery(m, now.toISOString()));
    await ledger.plan(fresh, latestUpdate(db, since));
    enqueue(fresh);
  };
  const plans = new Passes(
    planPass,
    (err) => {
      planFailed = true;
      herald.log(`[channels] planning stopped: ${(err as Error).message}; it is tried again in a few seconds`);
    },
    () => stopped,
  );
  const plan = (): Promise<void> => (stopped || !started || !ledger.since ? Promise.resolve() : plans.run());

  const drain = (channelId: string): void => {
    // Not before a takeover has read the shared outbox: this replica's copy of it is a follower's, possibly stale.
    if (stopped || busy.has(channelId) || !leads() || takeOver) return;
    const channel = herald.store.data.channels.find((c) => c.id === channelId);
    if (channel?.state !== 'active') return;
    const q = queues.get(channelId);
    while (q?.length && ledger.deliveries.get(q[0]!)?.state !== 'queued') q.shift();
    const id = q?.[0];
    if (!id) return;
    const d = ledger.deliveries.get(id)!;
    const wait = (d.next_at ?? 0) - herald.now().getTime();
    // A mark of a replica that is gone is not waited for: the claim takes it (and checks again that it is gone).
    if (wait > 0 && !(ledger.claimantGone(id) && mayTakeOver())) {
      if (!wakeTimers.has(channelId)) {
        const t = setTimeout(
          () => {
            void inDoubt
              .recheck(id, ledger, leads)
              .catch(() => {})
              .finally(() => {
                if (wakeTimers.get(channelId) === t) wakeTimers.delete(channelId);
                drain(channelId);
              });
          },
          inDoubt.delay(d, wait),
        );
        t.unref();
        wakeTimers.set(channelId, t);
      }
      return;
    }
    busy.set(channelId, id);
    inDoubt.forget(id);
    const posting = deliver(channel, d)
      .catch((err: Error) => herald.log(`[channels] ${channel.id} (${channel.name}): ${err.message}`))
      .finally(() => {
        busy.delete(channelId);
        inFlight.delete(posting);
        drain(channelId);
      });
    inFlight.add(posting);
  };

  let startFailed = false;
  const start = (): Promise<void> => {
    startFailed = false;
    const opening = (async () => {
      await ledger.init(herald.now());
      readMark = ledger.since ?? '';
      started = true;
      enqueue(ledger.queued());
      await plan();
    })();
    opening.catch((err: Error) => {
      startFailed = true;
      herald.log(`[channels] the channel outbox did not open: ${err.message}; it is tried again in a few seconds`);
    });
    return opening;
  };
  // Reading only (see OpenOptions.workers): never started, nothing is planned or posted (plan and drain wait for it).
  let ready = workers ? start() : Promise.resolve();

  /** A channel resumed or given a new URL: what waits for it goes out now, in order (see fresh-start.ts). */
  const freshStart = async (channelId: string): Promise<void> => {
    // The leader's to write (its copy of the outbox is the current one); the post under way is due at once if it fails (deliver).
    if (stopped || !started || !leads() || takeOver) return;
    const now = herald.now().getTime();
    const waiting = ledger.queued().filter((d) => d.channel === channelId && (d.next_at ?? 0) > now && d.id !== busy.get(channelId));
    if (waiting.length === 0) return;
    try {
      await ledger.dueNow(waiting.map((d) => d.id));
    } catch (err) {
      herald.log(`[channels] ${channelId}: what waited goes out at its retry time (${(err as Error).message})`);
      return;
    }
    clearTimeout(wakeTimers.get(channelId));
    wakeTimers.delete(channelId);
    drain(channelId);
  };
  const backSinceLastLook = freshStarts(herald.store.data.channels);

  const unwatch = herald.store.onChange(() => {
    void plan();
    for (const id of backSinceLastLook(herald.store.data.channels)) void freshStart(id);
    // A channel resumed (or its URL fixed) picks up where it stopped.
    for (const c of herald.store.data.channels) if (c.state === 'active' && queues.get(c.id)?.length) drain(c.id);
  });
  // A replica that takes over the lead reads what the old leader left, posts it, and plans what it had not.
  const unlead = herald.storage.leadership.onChange((leading) => {
    if (!leading || !shared) return;
    takeOver = true;
    void ready.catch(() => {}).then(() => plan());
  });
  // Every few seconds: an outbox that did not open is opened again; a follower reads the shared outbox (for
  // the console's counts); the leader plans again after a failed pass or a takeover that failed.
  const follower = setInterval(() => {
    if (stopped) return;
    if (!started) {
      if (startFailed) ready = start();
    } else if (shared && !leads()) void ledger.refresh(() => !leads()).catch(() => {});
    else if (takeOver || planFailed) void plan();
  }, FOLLOWER_REFRESH_MS);
  follower.unref();
  const compactor = setInterval(() => {
    if (workers) void ledger.compactIfWorthIt().catch(() => {});
  }, 60_000);
  compactor.unref();

  herald.onClose(async () => {
    stopped = true;
    unwatch();
    unlead();
    unlost();
    clearInterval(compactor);
    clearInterval(follower);
    for (const t of wakeTimers.values()) clearTimeout(t);
    await ready.catch(() => {});
    await plans.current;
    // Posts under way are answered and recorded; a receiver that does not answer holds this up one timeout.
    if (inFlight.size > 0) {
      herald.log(`[channels] waiting for ${inFlight.size} post(s) under way to be answered and recorded`);
      await Promise.race([Promise.all(inFlight), sleep(cfg.CHANNEL_TIMEOUT_MS + 1_000, undefined, { ref: false })]);
    }
    await ledger.close();
  });

  return {
    ledger,
    ready,
    test: (channel) => postTestMessage(channel, herald.store.data, cfg, herald.now(), post),
    status(channelId) {
      return { ...ledger.countsOf(channelId), last_error: ledger.lastErrorOf(channelId) };
    },
    failed: (channelId) => failedPosts(ledger.deliveries.values(), channelId, herald.store.data),
    async settled() {
      for (;;) {
        await plans.current;
        const now = herald.now().getTime();
        const due = ledger.queued().some((d) => {
          const c = herald.store.data.channels.find((x) => x.id === d.channel);
          return c?.state === 'active' && (d.next_at ?? 0) <= now;
        });
        if (!plans.current && busy.size === 0 && !due) return;
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}
