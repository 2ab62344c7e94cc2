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

  it('rotated twice within the day, keeps the secret from before the first: the one nobody may have read goes', () => {
    const { d, ch } = hook();
    const original = ch.secret!;
    rotateSecret(ctx(d, 0), ch.id);
    const unread = ch.secret!;
    rotateSecret(ctx(d, 5), ch.id);
    expect(ch.previous_secret).toBe(original);
    expect(signingSecrets(ch, ctx(d, 6).now)).toEqual([ch.secret, original]);
    expect(signingSecrets(ch, ctx(d, 6).now)).not.toContain(unread);
    // After the day, a rotation replaces the secret in use.
    const current = ch.secret!;
    rotateSecret(ctx(d, 5 + SECRET_OVERLAP_MS / 60_000 + 1), ch.id);
    expect(ch.previous_secret).toBe(current);
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
