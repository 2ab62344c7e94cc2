import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { createChannel, rotateSecret, SECRET_OVERLAP_MS, signingSecrets } from '../../src/domain/channels/manage.ts';
import { signatureHeaders } from '../../src/channels/webhook.ts';
import { Invalid } from '../../src/domain/errors.ts';
import { ctx, db } from '../helpers/db.ts';

/** Standard Webhooks' rotation: several signatures in one header while a receiver switches secrets. */
describe('a webhook secret rotated', () => {
  const hook = (d = db([{ id: 'api' }])) => ({
    d,
    ch: createChannel(ctx(d), { kind: 'webhook', name: 'Partner', url: 'https://partner.example/hook' }),
  });

  it('signs with the new secret and, for a day, the old one: a receiver on either verifies', async () => {
    const { d, ch } = hook();
    const old = ch.secret!;
    rotateSecret(ctx(d, 0), ch.id);
    const fresh = ch.secret!;
    expect(fresh).not.toBe(old);
    const at = (minutes: number) => ctx(d, minutes).now;
    expect(signingSecrets(ch, at(1))).toEqual([fresh, old]);
    expect(signingSecrets(ch, at(SECRET_OVERLAP_MS / 60_000 + 1))).toEqual([fresh]);

    const body = '{"meta":{}}';
    const now = at(1);
    const headers = await signatureHeaders(signingSecrets(ch, now), 'chn_x_upd', body, now);
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    // The library checks the timestamp against its own clock: sign at the real now for it.
    const live = await signatureHeaders(signingSecrets(ch, now), 'chn_x_upd', body, new Date());
    for (const secret of [old, fresh]) expect(() => new Webhook(secret).verify(body, live)).not.toThrow();
    expect(() => new Webhook(`whsec_${btoa('x'.repeat(24))}`).verify(body, live)).toThrow();
  });

  it('rotated again within the day, every replaced secret still signs for its own day, never longer', () => {
    const { d, ch } = hook();
    const a = ch.secret!;
    rotateSecret(ctx(d, 0), ch.id);
    const b = ch.secret!;
    // Two hours later (a receiver may already have switched to b): b still signs, and so does a, until its day ends.
    rotateSecret(ctx(d, 120), ch.id);
    const c = ch.secret!;
    expect(signingSecrets(ch, ctx(d, 121).now)).toEqual([c, b, a]);
    const day = SECRET_OVERLAP_MS / 60_000;
    expect(signingSecrets(ch, ctx(d, day + 1).now)).toEqual([c, b]);
    expect(signingSecrets(ch, ctx(d, 120 + day + 1).now)).toEqual([c]);
    // A burst of clicks keeps the three newest replaced secrets.
    for (let i = 1; i <= 5; i++) rotateSecret(ctx(d, 200 + i), ch.id);
    expect(signingSecrets(ch, ctx(d, 206).now)).toHaveLength(4);
    expect(ch.previous_secrets).toHaveLength(3);
  });

  it('refuses a Slack or Teams channel (its URL is its secret), and the audit keeps no secret', () => {
    const d = db([{ id: 'api' }]);
    const slack = createChannel(ctx(d), { kind: 'slack', name: 'War room', url: 'https://hooks.slack.com/services/T/B/X' });
    expect(() => rotateSecret(ctx(d), slack.id)).toThrow(Invalid);
    const { ch } = hook(d);
    rotateSecret(ctx(d, 1), ch.id);
    expect(JSON.stringify(d.audit)).not.toContain('whsec_');
  });
});
