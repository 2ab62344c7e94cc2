import type { Notify } from '../../src/notify/service.ts';
import type { Subscriber } from '../../src/store/mail/model.ts';

/** Confirms every pending subscriber through the real confirm path (their confirmation link), on either engine. */
export async function confirmEveryone(notify: Notify, now = new Date()): Promise<Subscriber[]> {
  const { rows } = await notify.subscribers.search({ q: '', state: 'pending', offset: 0, limit: 10_000 });
  const out: Subscriber[] = [];
  for (const s of rows) out.push(await notify.subscribers.confirm(notify.subscribers.link('confirm', s), now));
  return out;
}

/** The subscriber with this exact address, on either engine. */
export async function subscriberByEmail(notify: Notify, email: string): Promise<Subscriber | undefined> {
  const { rows } = await notify.subscribers.search({ q: email.toLowerCase(), state: null, offset: 0, limit: 50 });
  return rows.find((s) => s.email === email);
}
