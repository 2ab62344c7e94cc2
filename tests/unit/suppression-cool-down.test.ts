import { describe, expect, it } from 'vitest';
import type { Subscriber } from '../../src/store/mail/model.ts';
import { decideRequest, SUPPRESSION_COOL_DOWN_MS } from '../../src/store/mail/subscribe-request.ts';
import { unsuppressedSubscriber } from '../../src/store/mail/subscriber-links.ts';

const T0 = Date.parse('2026-03-01T12:00:00Z');
const at = (ms: number) => new Date(T0 + ms);
const iso = (ms: number) => at(ms).toISOString();

/** An address that hard-bounced at T0 (its request a day before), in `state`. */
const bounced = (state: Subscriber['state'], suppressedAt: string | null = iso(0)): Subscriber => ({
  t: 's',
  id: 'a',
  seq: 1,
  email: 'a@example.com',
  state,
  components: ['api'],
  confirms: 2,
  requested_at: iso(-86_400_000),
  created_at: iso(-86_400_000),
  updated_at: iso(0),
  confirmed_at: state === 'confirmed' ? iso(-80_000_000) : null,
  unsubscribed_at: null,
  suppressed: '550 5.1.1 User unknown',
  suppressed_at: suppressedAt,
});

describe('a subscribe request for a suppressed address', () => {
  it.each(['pending', 'confirmed', 'unsubscribed'] as const)(
    '%s, within the cool-down: nothing sent, still suppressed since the bounce',
    (state) => {
      const o = decideRequest(bounced(state), 'a@example.com', ['web'], at(SUPPRESSION_COOL_DOWN_MS - 1), 0);
      expect(o.sendMail).toBe(false);
      expect(o.subscriber.suppressed).not.toBeNull();
      expect(o.subscriber.suppressed_at).toBe(iso(0));
      if (state === 'confirmed') expect(o.subscriber).toMatchObject({ state: 'confirmed', components: ['api'], confirms: 2 });
    },
  );

  it.each(['pending', 'confirmed', 'unsubscribed'] as const)(
    '%s, past it: lifted, a new pending request with a fresh link, its confirmation sent',
    (state) => {
      const now = at(SUPPRESSION_COOL_DOWN_MS);
      const o = decideRequest(bounced(state), 'a@example.com', ['web'], now, 0);
      expect(o.sendMail).toBe(true);
      expect(o.subscriber).toMatchObject({
        state: 'pending',
        components: ['web'],
        confirms: 3,
        requested_at: now.toISOString(),
        suppressed: null,
        suppressed_at: null,
      });
    },
  );

  it('suppressed before its time was kept: counts from its last change, pinned there by a request within the day', () => {
    const legacy = bounced('confirmed', null);
    const early = decideRequest(legacy, 'a@example.com', [], at(3600_000), 0);
    expect(early.sendMail).toBe(false);
    // The request rewrote updated_at; the cool-down still counts from the bounce, not from this request.
    expect(early.subscriber.suppressed_at).toBe(iso(0));
    expect(decideRequest(early.subscriber, 'a@example.com', [], at(SUPPRESSION_COOL_DOWN_MS), 0).sendMail).toBe(true);
  });
});

describe('an admin clearing a suppression', () => {
  it('keeps the state (a confirmed address hears notices again); twice changes nothing', () => {
    const cleared = unsuppressedSubscriber(bounced('confirmed'), at(1000))!;
    expect(cleared).toMatchObject({ state: 'confirmed', suppressed: null, suppressed_at: null, updated_at: iso(1000) });
    expect(unsuppressedSubscriber(cleared, at(2000))).toBeNull();
  });
});
