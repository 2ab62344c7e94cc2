import { NotFound } from '../../domain/errors.ts';
import { noticeWithdrawn, unreachableRefusal } from './retry-refusals.ts';
import { noneLeft, unreachable } from './unreachable.ts';
import type { Delivery, Subscriber, SubscriberState } from './model.ts';
import type { DeliveryLedger } from './ledger.ts';
import type { SubscriberBook } from './subscriber-book.ts';
import type { FailedDelivery, FailurePage, FailureQuery, NoticeProgress, OutboxView, SubscriberStore } from './port.ts';
import { wantsMail } from './model.ts';

/**
 * The embedded engine's side of the mail port: the subscriber book and the
 * delivery ledger (journals in DATA_DIR, live state in memory), answered from
 * memory. One process owns them, so no answer needs a lock.
 */
export function embeddedSubscribers(book: SubscriberBook): SubscriberStore {
  return {
    request: (email, components, now) => book.request(email, components, now),
    assertRoom: () => book.assertRoom(),
    confirm: (token, now) => book.confirm(token, now),
    unsubscribe: (token, now) => book.unsubscribe(token, now),
    setComponents: (token, components, now) => book.setComponents(token, components, now),
    suppress: (id, reason, now) => book.suppress(id, reason, now),
    unsuppress: (id, now) => book.unsuppress(id, now),
    remove: (id) => book.remove(id),
    get: async (id) => book.get(id),
    resolve: async (purpose, token) => book.resolve(purpose, token),
    link: (purpose, s) => book.link(purpose, s),
    vouchesUnsubscribe: (token) => book.tokens.vouches('unsubscribe', token),
    async search({ q, state, offset, limit }) {
      const counts: Record<SubscriberState, number> = { pending: 0, confirmed: 0, unsubscribed: 0 };
      const matches: Subscriber[] = [];
      for (const s of book.all()) {
        counts[s.state]++;
        if (q && !s.email.toLowerCase().includes(q)) continue;
        if (state && s.state !== state) continue;
        matches.push(s);
      }
      matches.sort((a, b) => b.seq - a.seq);
      return { rows: matches.slice(offset, offset + limit), total: matches.length, counts };
    },
    async countRecipients(componentIds, existingIds) {
      const existing = new Set(existingIds);
      let n = 0;
      for (const s of book.all()) if (wantsMail(s, componentIds, existing)) n++;
      return n;
    },
  };
}

/** `waiting` is the sender's: what waits in its lanes and for retries, and what it is sending. */
export function embeddedOutbox(ledger: DeliveryLedger, book: SubscriberBook, waiting: () => number): OutboxView {
  const notices = (limit: number): NoticeProgress[] => {
    const out: NoticeProgress[] = [];
    const intents = [...ledger.intents.values()];
    for (let i = intents.length - 1; i >= 0 && out.length < limit; i--) out.push({ ...intents[i]!, ...ledger.countsOf(intents[i]!.key) });
    return out;
  };
  /** Newest first: the ledger keeps deliveries in the order they were made (a change of state keeps the place). */
  const failures = ({ q, offset, limit }: FailureQuery): FailurePage => {
    const matches: FailedDelivery[] = [];
    for (const delivery of ledger.deliveries.values()) {
      if (delivery.state !== 'failed') continue;
      const s = book.get(delivery.sub);
      const email = s?.email ?? null;
      if (q && !email?.toLowerCase().includes(q)) continue;
      matches.push({ delivery, email, unreachable: unreachable(s), components: s?.components ?? null });
    }
    matches.reverse();
    return { rows: matches.slice(offset, offset + limit), total: matches.length };
  };
  return {
    notices: async (limit) => notices(limit),
    noticesOf: async (keys) =>
      keys.flatMap((key) => {
        const intent = ledger.intents.get(key);
        return intent ? [{ ...intent, ...ledger.countsOf(key) }] : [];
      }),
    noticesAbout: async (incident) =>
      [...ledger.intents.values()].filter((i) => i.incident === incident).map((i) => ({ ...i, ...ledger.countsOf(i.key) })),
    // Memory, read without a pause between the reads: nothing can change in between.
    overview: async (limits) => {
      const failed = failures({ q: '', offset: 0, limit: limits.failed });
      return {
        notices: notices(limits.notices),
        confirmations: ledger.countsOf('confirm'),
        failed: failed.rows,
        failedTotal: failed.total,
        waiting: waiting(),
      };
    },
    waiting: async () => waiting(),
    failures: async (query) => failures(query),
    began: async () => ledger.epoch,
    begun: async (keys) => new Set(keys.filter((k) => ledger.intents.has(k))),
    async failedIds(intent, follows) {
      const ids: string[] = [];
      const left = noneLeft();
      for (const d of ledger.deliveries.values()) {
        if (d.intent !== intent || d.state !== 'failed') continue;
        const why = unreachable(book.get(d.sub), { intent, follows });
        if (why) left[why]++;
        else ids.push(d.id);
      }
      return { ids, left };
    },
    async retryFailed(ids, follows) {
      const batch: Delivery[] = [];
      for (const id of ids) {
        const d = ledger.deliveries.get(id);
        if (d?.state === 'failed' && !unreachable(book.get(d.sub), { intent: d.intent, follows }))
          batch.push({ ...d, state: 'queued', attempts: 0, next_at: null });
      }
      // Each save is in memory at once; the appends share fsyncs.
      await Promise.all(batch.map((d) => ledger.save(d)));
      return batch;
    },
    async retry(id, sendable, follows) {
      const d = ledger.deliveries.get(id);
      // A sent delivery leaves only its id in memory (until compaction): it is known, and sent.
      if (!d) {
        if (ledger.has(id)) return { already: 'sent' };
        throw new NotFound(`No delivery ${id}.`);
      }
      if (d.state === 'queued') return { already: 'queued' };
      const why = unreachable(book.get(d.sub), { intent: d.intent, follows });
      if (why) throw unreachableRefusal(id, why);
      if (!sendable(d)) throw noticeWithdrawn(id);
      const again: Delivery = { ...d, state: 'queued', attempts: 0, next_at: null };
      await ledger.save(again);
      return { requeued: again };
    },
  };
}
