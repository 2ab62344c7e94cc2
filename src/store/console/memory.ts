import { randomToken } from '../../auth/random.ts';
import { SessionStore } from '../../auth/sessions.ts';
import { WindowLimiter } from '../../http/rate-limit.ts';
import { type ConsoleStore, type ConsoleStoreOptions, DRAFT_TTL_MS, type Draft, MAX_DRAFTS, MAX_DRAFTS_PER_SESSION } from './port.ts';

/**
 * Drafts between preview and publish, in memory (the embedded engine).
 * Publishing consumes a draft exactly once: a double click or a retried POST
 * finds it already taken and is sent to the same result instead of
 * publishing twice.
 */
export class DraftStore<A = unknown> {
  private readonly drafts = new Map<string, Draft<A>>();
  /** Taken drafts → the incident id they published (a promise while publishing). */
  private readonly taken = new Map<string, { at: number; sessionKey: string; result: Promise<string> }>();

  save(sessionKey: string, action: A, now: number, emailHtml?: string): Draft<A> {
    this.sweep(now);
    const own = [...this.drafts.values()].filter((d) => d.sessionKey === sessionKey);
    for (const d of own.slice(0, Math.max(0, own.length - MAX_DRAFTS_PER_SESSION + 1))) this.drafts.delete(d.id);
    const draft: Draft<A> = { id: randomToken(18), sessionKey, action, createdAt: now, ...(emailHtml !== undefined ? { emailHtml } : {}) };
    this.drafts.set(draft.id, draft);
    return draft;
  }

  /** A draft to show again (back to edit), without consuming it; null when gone, expired or another session's. */
  peek(id: string, sessionKey: string, now: number): Draft<A> | null {
    const d = this.drafts.get(id);
    return d && d.sessionKey === sessionKey && now - d.createdAt <= DRAFT_TTL_MS ? d : null;
  }

  /**
   * Publishes a draft once. The draft leaves the map synchronously, before
   * the first await, so two concurrent requests cannot both take it; the
   * second gets the first one's result.
   */
  publishOnce(id: string, sessionKey: string, now: number, publish: (d: Draft<A>) => Promise<string>): Promise<string> | null {
    const done = this.taken.get(id);
    // A published draft, like an unpublished one, belongs to the session that previewed it (and expires: DRAFT_TTL_MS).
    if (done) return done.sessionKey === sessionKey && now - done.at <= DRAFT_TTL_MS ? done.result : null;
    const draft = this.drafts.get(id);
    if (!draft || draft.sessionKey !== sessionKey || now - draft.createdAt > DRAFT_TTL_MS) return null;
    this.drafts.delete(id);
    const result = publish(draft);
    this.taken.set(id, { at: now, sessionKey, result });
    // A failed publish (e.g. a conflict) gives the draft back to be fixed and retried.
    result.catch(() => {
      this.taken.delete(id);
      this.drafts.set(id, draft);
    });
    return result;
  }

  private sweep(now: number): void {
    for (const [k, d] of this.drafts) if (now - d.createdAt > DRAFT_TTL_MS) this.drafts.delete(k);
    for (const [k, t] of this.taken) if (now - t.at > DRAFT_TTL_MS) this.taken.delete(k);
    while (this.drafts.size >= MAX_DRAFTS) this.drafts.delete(this.drafts.keys().next().value!);
    while (this.taken.size >= MAX_DRAFTS) this.taken.delete(this.taken.keys().next().value!);
  }
}

/**
 * The console's state in this process's memory: the embedded engine (one
 * process). Today's classes behind the async port, unchanged in behaviour;
 * each call does its work synchronously, before it returns.
 */
export function memoryConsoleStore<A>(opts: ConsoleStoreOptions): ConsoleStore<A> {
  const sessions = new SessionStore();
  const drafts = new DraftStore<A>();
  const failures = new WindowLimiter({ limit: opts.signIn.limit, windowMs: opts.signIn.windowMs, maxKeys: opts.signIn.maxKeys });
  return {
    engine: 'memory',
    sessions: {
      create: async (actor, now) => sessions.create(actor, now),
      get: async (token, now, touch) => sessions.get(token, now, touch),
      destroy: async (token) => sessions.destroy(token),
    },
    drafts: {
      save: async (sessionKey, action, now, emailHtml) => drafts.save(sessionKey, action, now, emailHtml),
      peek: async (id, sessionKey, now) => drafts.peek(id, sessionKey, now),
      publishOnce: async (id, sessionKey, now, publish) => {
        const result = drafts.publishOnce(id, sessionKey, now, publish);
        return result === null ? null : await result;
      },
    },
    signInFailures: {
      blockedFor: async (key, now) => failures.blockedFor(key, now),
      hit: async (key, now) => failures.hit(key, now),
      reset: async (key) => failures.reset(key),
    },
    close: async () => {},
  };
}
