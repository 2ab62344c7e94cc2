import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { LinkTokens } from '../../src/store/mail/tokens.ts';
import { subscriberSchema } from '../../src/store/mail/model.ts';

const KEY = Buffer.alloc(32, 7);
const tokens = new LinkTokens(KEY);
const s = { id: 'abcdefghijkl', requested_at: '2026-11-30T10:00:00.000Z' };

describe('subscriber link tokens', () => {
  it('work for their own purpose only', () => {
    for (const purpose of ['confirm', 'unsubscribe', 'manage'] as const) {
      const token = tokens.issue(purpose, s);
      expect(LinkTokens.subjectId(token)).toBe(s.id);
      expect(tokens.verify(purpose, token, s)).toBe(true);
      for (const other of ['confirm', 'unsubscribe', 'manage'] as const) {
        if (other !== purpose) expect(tokens.verify(other, token, s)).toBe(false);
      }
    }
  });

  it('a new confirmation request revokes the older confirmation link, not the others', () => {
    const confirm = tokens.issue('confirm', s);
    const unsubscribe = tokens.issue('unsubscribe', s);
    const renewed = { ...s, requested_at: '2026-11-30T11:00:00.000Z' };
    expect(tokens.verify('confirm', confirm, renewed)).toBe(false);
    expect(tokens.verify('unsubscribe', unsubscribe, renewed)).toBe(true);
  });

  it('keep the MAC format of links already sent (the old link generation is pinned to 0)', () => {
    const mac = createHmac('sha256', KEY).update(`unsubscribe|${s.id}|0`).digest('base64url').slice(0, 32);
    expect(tokens.issue('unsubscribe', s)).toBe(`${s.id}.${mac}`);
  });

  it('subscriber records written with the old `gen` field still load', () => {
    const old = {
      t: 's',
      id: s.id,
      seq: 1,
      email: 'a@example.com',
      state: 'confirmed',
      components: [],
      gen: 0,
      confirms: 1,
      requested_at: s.requested_at,
      created_at: s.requested_at,
      updated_at: s.requested_at,
      confirmed_at: s.requested_at,
      unsubscribed_at: null,
      suppressed: null,
    };
    expect(subscriberSchema.parse(old)).not.toHaveProperty('gen');
  });
});
