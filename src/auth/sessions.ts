import { createHash } from 'node:crypto';
import { randomToken } from './random.ts';

/** A signed-in Comms Lead. The cookie holds `token`; only its hash is kept. */
export interface Session {
  /** sha256 of the cookie token: the map key, never the token itself. */
  key: string;
  actor: string;
  /** Per-session CSRF token carried by every state-changing form. */
  csrf: string;
  createdAt: number;
  lastSeenAt: number;
}

export const SESSION_IDLE_MS = 12 * 60 * 60_000;
export const SESSION_MAX_MS = 24 * 60 * 60_000;
/** Sessions kept at most (on either engine): a flood of sign-ins drops the least recently used. */
export const MAX_SESSIONS = 1_000;
/** Longer than any token this Herald makes (43 characters): refused before hashing. */
export const MAX_TOKEN_LENGTH = 200;

/** The key a session is kept under: the SHA-256 of its cookie token (base64url), never the token itself. */
export const sessionKey = (token: string): string => createHash('sha256').update(token).digest('base64url');
const hash = sessionKey;

/**
 * Sessions in memory (the embedded engine; on PostgreSQL they are shared by
 * the replicas: src/store/console/pg.ts): a restart signs everyone out (documented). The token is
 * random (32 bytes) and stored hashed, so a heap dump does not hand out
 * sessions. A session ends after 12 h idle or 24 h in all.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  /** Starts a session; returns the cookie token (shown to the browser once). */
  create(actor: string, now: number): { token: string; session: Session } {
    this.sweep(now);
    if (this.sessions.size >= MAX_SESSIONS) {
      // Drop the least recently used: a flood of sign-ins must not grow memory.
      const oldest = [...this.sessions.values()].sort((a, b) => a.lastSeenAt - b.lastSeenAt)[0]!;
      this.sessions.delete(oldest.key);
    }
    const token = randomToken(32);
    const session: Session = { key: hash(token), actor, csrf: randomToken(24), createdAt: now, lastSeenAt: now };
    this.sessions.set(session.key, session);
    return { token, session };
  }

  /** The live session for a cookie token, or null; marked used unless `touch` is false (a page's own poll). */
  get(token: string | undefined, now: number, touch = true): Session | null {
    if (!token || token.length > MAX_TOKEN_LENGTH) return null;
    const session = this.sessions.get(hash(token));
    if (!session) return null;
    if (now - session.lastSeenAt > SESSION_IDLE_MS || now - session.createdAt > SESSION_MAX_MS) {
      this.sessions.delete(session.key);
      return null;
    }
    if (touch) session.lastSeenAt = now;
    return session;
  }

  destroy(token: string | undefined): void {
    if (token) this.sessions.delete(hash(token));
  }

  get size(): number {
    return this.sessions.size;
  }

  private sweep(now: number): void {
    for (const s of this.sessions.values()) {
      if (now - s.lastSeenAt > SESSION_IDLE_MS || now - s.createdAt > SESSION_MAX_MS) this.sessions.delete(s.key);
    }
  }
}
