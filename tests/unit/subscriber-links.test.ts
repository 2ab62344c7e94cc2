import { describe, expect, it } from 'vitest';
import { decideRequest } from '../../src/store/mail/subscribe-request.ts';
import { confirmedSubscriber, unsubscribedSubscriber } from '../../src/store/mail/subscriber-links.ts';

const T0 = Date.parse('2026-03-01T12:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

// From a hunt: the admin list showed a confirmed subscriber with the `unsubscribed_at` of an unsubscription
// it had come back from, as if it were unsubscribed since.
describe('an address that unsubscribes, subscribes again and confirms', () => {
  it('is confirmed with no unsubscription time, and one unsubscribing again records the new one', () => {
    const first = decideRequest(undefined, 'a@example.com', [], at(0), 1).subscriber;
    const confirmed = confirmedSubscriber(first, at(1))!;
    const left = unsubscribedSubscriber(confirmed, at(2))!;
    expect(left).toMatchObject({ state: 'unsubscribed', unsubscribed_at: at(2).toISOString() });

    const again = decideRequest(left, 'a@example.com', ['api'], at(3), 2).subscriber;
    expect(again.state).toBe('pending');
    const back = confirmedSubscriber(again, at(4))!;
    expect(back).toMatchObject({ state: 'confirmed', confirmed_at: at(4).toISOString(), unsubscribed_at: null });
    expect(unsubscribedSubscriber(back, at(5))).toMatchObject({ unsubscribed_at: at(5).toISOString() });
  });
});
