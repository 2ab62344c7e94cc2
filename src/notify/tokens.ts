import { createHmac, createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Link tokens for subscribers. A token is `<subscriber id>.<HMAC>` where the
 * HMAC covers the purpose, the subscriber id and its token generation (and,
 * for confirmation, the time it was requested), keyed by a secret kept in
 * DATA_DIR/subscribers.key. So nothing secret is stored next to the
 * subscribers (there is nothing to hash at rest), a token works for one
 * purpose only, a new confirmation request or a removal (gen + 1) revokes
 * old links, and a token cannot be guessed without the key.
 */
export type TokenPurpose = 'confirm' | 'unsubscribe' | 'manage';

export interface TokenSubject {
  id: string;
  gen: number;
  requested_at: string;
}

export class LinkTokens {
  // A KeyObject made once: passing raw bytes makes createHmac build one per call.
  private readonly key: KeyObject;
  constructor(key: Buffer) {
    this.key = createSecretKey(key);
  }

  /** Reads DATA_DIR/subscribers.key, creating it (0600) on first start. */
  static open(dataDir: string): LinkTokens {
    const file = join(dataDir, 'subscribers.key');
    if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    return new LinkTokens(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'));
  }

  issue(purpose: TokenPurpose, s: TokenSubject): string {
    return `${s.id}.${this.mac(purpose, s)}`;
  }

  /** The subscriber id a token names, without checking it (look the subscriber up, then `verify`). */
  static subjectId(token: string): string | null {
    const m = /^([a-z0-9]{1,40})\.([A-Za-z0-9_-]{20,64})$/.exec(token);
    return m ? m[1]! : null;
  }

  verify(purpose: TokenPurpose, token: string, s: TokenSubject): boolean {
    const given = Buffer.from(token.slice(token.indexOf('.') + 1));
    const expected = Buffer.from(this.mac(purpose, s));
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private mac(purpose: TokenPurpose, s: TokenSubject): string {
    const bound = purpose === 'confirm' ? `${purpose}|${s.id}|${s.gen}|${s.requested_at}` : `${purpose}|${s.id}|${s.gen}`;
    return createHmac('sha256', this.key).update(bound).digest('base64url').slice(0, 32);
  }
}
