import { describe, expect, it } from 'vitest';
import type { Subscriber } from '../../src/store/mail/model.ts';
import { decideRequest } from '../../src/store/mail/subscribe-request.ts';
import { unsubscribedSubscriber, confirmedSubscriber } from '../../src/store/mail/subscriber-links.ts';
import { pastRetention } from '../../src/store/mail/retention.ts';

/** The retention rule over plain records: what counts is the current request, or the unsubscription. */
const DAY = 24 * 3600_000;
const t0 = new Date('2026-11-01T10:00:00Z');
const at = (days: number) => new Date(t0.getTime() + days * DAY);
const fresh = (): Subscriber => decideRequest(undefined, 'someone@example.com', [], t0, 1).subscriber;

describe('pastRetention', () => {
  it('erases a pending address 9 days (48 h link + 7 days) after its request, counted from a renewed request', () => {
    const s = fresh();
    expect(pastRetention(s, at(8.99))).toBe(false);
    expect(pastRetention(s, at(9.01))).toBe(true);
    // Asked again on day 5 (past 24 h: a new request and link), so it is kept until day 14.
    const renewed = decideRequest(s, s.email, [], at(5), 0).subscriber;
    expect(pastRetention(renewed, at(9.01))).toBe(false);
    expect(pastRetention(renewed, at(14.01))).toBe(true);
  });

  it('erases an unsubscribed address 30 days after it unsubscribed, and one that asked again by its new request', () => {
    const confirmed = confirmedSubscriber(fresh(), at(0.1))!;
    const left = unsubscribedSubscriber(confirmed, at(100))!;
    expect(pastRetention(left, at(129.9))).toBe(false);
    expect(pastRetention(left, at(130.1))).toBe(true);
    const back = decideRequest(left, left.email, [], at(129), 0).subscriber;
    expect(back.state).toBe('pending');
    expect(pastRetention(back, at(137.9))).toBe(false);
    expect(pastRetention(back, at(138.1))).toBe(true);
  });

  it('never erases a confirmed address, bounced or not', () => {
    const confirmed = confirmedSubscriber(fresh(), at(0.1))!;
    expect(pastRetention(confirmed, at(10_000))).toBe(false);
    expect(pastRetention({ ...confirmed, suppressed: '550 5.1.1 <address>' }, at(10_000))).toBe(false);
  });
});
