import { setTimeout as sleep } from 'node:timers/promises';
import type { HeraldCore } from '../herald.ts';
import type { Channel } from '../domain/channels/model.ts';
import { setChannelState } from '../domain/channels/manage.ts';
import type { ChannelDelivery, ChannelLedger } from '../store/channels/ledger.ts';
import { renderPost } from './render.ts';
import { PostFailed, postJson, type PostAnswer, type PostOptions } from './outbound.ts';
import { afterPost, verdictOf, type Verdict } from './verdict.ts';
import { cameBack } from './fresh-start.ts';
import type { InDoubt } from './in-doubt.ts';
import { findEvent } from '../domain/model.ts';
import { caughtUp } from '../store/document-store.ts';

/** Why a message whose update the data no longer holds was not posted (see below). */
export const DATA_GONE = 'not posted: the update is no longer in the data';

/** Why a delivery of an incident withdrawn since it was planned was not posted. */
export const WITHDRAWN = 'not posted: the incident was withdrawn';

/** Why a delivery of a postmortem unpublished since it was planned was not posted. */
export const UNPUBLISHED = 'not posted: the postmortem was unpublished';

/** A channel paused after this many failed posts in a row. */
export const PAUSE_AFTER_FAILURES = 10;

/** How long a channel waits after a post it could not claim (or the database out of reach) before it looks again. */
const CLAIM_REFUSED_WAIT_MS = 1_000;

/** What the channel worker (service.ts) shares with the posting of its deliveries. */
export interface DeliveryContext {
  herald: HeraldCore;
  ledger: ChannelLedger;
  /** Posts another leader may be making (see in-doubt.ts). */
  inDoubt: InDoubt;
  /** Failed posts in a row, per channel. */
  failuresInRow: Map<string, number>;
  post: PostOptions;
  retry: { baseMs: number; maxMs: number };
  /** Whether a claim may take a gone replica's mark before it passes (see PgChannelLedger.claim). */
  takeOver: () => boolean;
  /** Whether the worker is shutting down. */
  stopped: () => boolean;
}

/**
 * Posts one delivery under its claim and records the outcome: the channel paused after too many failures
 * in a row, or disabled when its URL is refused for good.
 */
export function deliverer({ herald, ledger, inDoubt, failuresInRow, post, retry, takeOver, stopped }: DeliveryContext) {
  const cfg = herald.config;
  /** The last claim failed (the database out of reach): said once in the log, not once a second. */
  let claimFailing = false;
  /**
   * Records a message not posted for a reason of the data's, not the channel's: no attempt time, so it is no error
   * of the channel's (ChannelLedger.lastErrorOf), and no step towards a pause.
   */
  const notPosted = (d: ChannelDelivery, why: string) =>
    ledger.save({ ...d, state: 'failed', last_error: why, next_at: null, last_attempt_at: null });

  const deliver = async (channel: Channel, d: ChannelDelivery): Promise<void> => {
    const claimed = await ledger.claim(d, herald.now().getTime(), cfg.CHANNEL_TIMEOUT_MS, takeOver()).then(
      (ok) => {
        claimFailing = false;
        return ok;
      },
      (err: Error) => {
        if (!claimFailing) herald.log(`[channels] posts wait: the channel outbox is out of reach (${err.message})`);
        claimFailing = true;
        return false;
      },
    );
    if (!claimed) {
      // Another leader's to post, or this replica no longer leads (see PgChannelLedger.claim): the channel
      // waits a moment before it looks again, rather than asking the database in a loop. The claim read the
      // row: a mark on it is another leader's.
      inDoubt.note([ledger.deliveries.get(d.id)], herald.now().getTime());
      await sleep(CLAIM_REFUSED_WAIT_MS);
      return;
    }
    const now = herald.now();
    let request = await renderPost(channel, d, herald.store.data, cfg, now);
    if (!request) {
      // Held under the claim, so only the leader that holds it records the outcome. Unknown (the data could
      // not be read again): nothing is recorded, and the claim's mark running out brings it back, unposted.
      const gone = await withdrawnSince(d);
      if (gone !== false) return;
      // Caught up: a new leader's copy may not have held an incident just declared, or an update just posted.
      if (!(await caughtUp(herald.store))) return;
      request = await renderPost(channel, d, herald.store.data, cfg, now);
    }
    if (!request) {
      // Unpublished since it was planned, or its update gone from the data though its incident is there (a
      // document restored from a backup older than the outbox): not posted, as a withdrawn incident's, and the
      // channel's later messages go.
      await notPosted(d, d.kind === 'postmortem' ? UNPUBLISHED : DATA_GONE);
      return;
    }
    let result: PostAnswer | PostFailed;
    try {
      result = await postJson(channel.url, request.body, request.headers, post);
    } catch (err) {
      result = err instanceof PostFailed ? err : new PostFailed('network', (err as Error).message);
    }
    // Recorded even while shutting down (the close waits for it): unrecorded, it would be posted again.
    const done = herald.now();
    const answered = verdictOf(result, done);
    // The channel came back while this post was made (`channel` is the data as the post began): a failure to try
    // again was the old URL's or the old start's, so the delivery is due at once (the channel's later posts wait
    // behind it, in order) and neither pauses nor disables the channel it has become. A message refused for good
    // stays refused by the same URL resumed, but says nothing of a new URL's receiver.
    const current = herald.store.data.channels.find((c) => c.id === channel.id);
    const outdated =
      answered.outcome !== 'sent' &&
      current !== undefined &&
      cameBack(channel, current) &&
      (answered.outcome !== 'failed' || current.url !== channel.url);
    const verdict: Verdict = outdated ? { outcome: 'retry', afterMs: 0, error: answered.error } : answered;
    await ledger.save(afterPost(d, verdict, 'status' in result ? result.status : null, done, retry));
    if (verdict.outcome === 'sent') {
      failuresInRow.set(channel.id, 0);
      return;
    }
    if (outdated) return;
    const inRow = (failuresInRow.get(channel.id) ?? 0) + 1;
    failuresInRow.set(channel.id, inRow);
    if (stopped()) return; // the channel's state is the next start's to change
    if (verdict.outcome === 'halt') {
      herald.log(`[channels] ${channel.id} (${channel.name}) had its URL refused (${verdict.error.replace(/^refused: /, '')}): disabled`);
      await herald.run('channels', (ctx) => setChannelState(ctx, channel.id, 'disabled', verdict.error));
    } else if (inRow >= PAUSE_AFTER_FAILURES) {
      herald.log(`[channels] ${channel.id} (${channel.name}) failed ${inRow} times in a row: paused (${verdict.error})`);
      failuresInRow.set(channel.id, 0);
      await herald.run('channels', (ctx) =>
        setChannelState(ctx, channel.id, 'paused', `${inRow} failures in a row; last: ${verdict.error}`),
      );
    }
  };

  /**
   * A delivery whose incident left the data (withdrawn as published in error) is not posted: it is recorded as
   * failed with why, and counts against the channel no more than a post never tried (no pause, no error shown),
   * though the channel's failed count includes it. Called under the claim, when the post found its incident
   * gone; read again first: on PostgreSQL a new leader's copy of the data may not yet hold an incident just declared
   * ('unknown' when it cannot be read again, or is refused as a newer Herald's).
   */
  const withdrawnSince = async (d: ChannelDelivery): Promise<boolean | 'unknown'> => {
    if (findEvent(herald.store.data, d.event)) return false;
    if (!(await caughtUp(herald.store))) return 'unknown';
    if (findEvent(herald.store.data, d.event)) return false;
    await notPosted(d, WITHDRAWN);
    return true;
  };

  return deliver;
}
