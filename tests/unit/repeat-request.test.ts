import { describe, expect, it } from 'vitest';
import type { Subscriber } from '../../src/store/mail/model.ts';
import { decideRequest } from '../../src/store/mail/subscribe-request.ts';
import { unsubscribedSubscriber } from '../../src/store/mail/subscriber-links.ts';

/**
 * A subscribe request for an address already pending (decideRequest, both engines). Its confirmation link
 * is signed over requested_at: kept, the link already mailed confirms the record's components.
 */
const T0 = new Date('2026-05-01T09:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const pending = (components: string[]): Subscriber => decideRequest(undefined, 'a@example.com', components, T0, 1).subscriber;

describe('a repeat request for a pending address', () => {
  it('for the same components, in any order, keeps the request (and its link) and the choice as it was', () => {
    const s = pending(['api', 'web']);
    const o = decideRequest(s, s.email, ['web', 'api'], at(3600_000), 0);
    expect(o.sendMail).toBe(true);
    expect(o.subscriber).toMatchObject({ state: 'pending', requested_at: s.requested_at, components: ['api', 'web'], confirms: 2 });
  });

  it.each([
    ['everything, then one component', [], ['web']],
    ['one component, then everything', ['web'], []],
    ['one component, then another', ['api'], ['web']],
    ['two, then one of them', ['api', 'web'], ['api']],
  ])('for other components (%s) is a new request: a new request time, so the older link confirms nothing', (_, before, after) => {
    const s = pending(before);
    const o = decideRequest(s, s.email, after, at(60_000), 0);
    expect(o.sendMail).toBe(true);
    expect(o.subscriber).toMatchObject({ state: 'pending', components: after, requested_at: at(60_000).toISOString(), confirms: 2 });
  });

  it('for other components within the same millisecond still gets a request time of its own', () => {
    const s = pending([]);
    const o = decideRequest(s, s.email, ['web'], T0, 0);
    expect(Date.parse(o.subscriber.requested_at)).toBeGreaterThan(Date.parse(s.requested_at));
  });

  it('after unsubscribing, within the same millisecond as the request: the new request has a time of its own', () => {
    const left = unsubscribedSubscriber(pending([]), T0)!;
    const back = decideRequest(left, left.email, [], T0, 0);
    expect(back.subscriber.state).toBe('pending');
    expect(back.subscriber.requested_at).not.toBe(left.requested_at);
  });
});
