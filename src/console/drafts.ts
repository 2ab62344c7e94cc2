import { randomToken } from '../auth/random.ts';
import type { DraftAction } from '../publish/preview.ts';

export interface Draft {
  id: string;
  /** Only the session that previewed a draft may publish it. */
  sessionKey: string;
  action: DraftAction;
  createdAt: number;
  /** The previewed email's HTML, served to the preview's sandboxed frame. */
  emailHtml?: string;
}

const DRAFT_TTL_MS = 2 * 60 * 60_000;
const MAX_DRAFTS = 500;

/**
 * Drafts between preview and publish. Publishing consumes a draft exactly
 * once: a double click or a retried POST finds it already taken and is sent
 * to the same result instead of publishing twice.
 */
export class DraftStore {
  private readonly drafts = new Map<string, Draft>();
  /** Taken drafts → the incident id they published (a promise while publishing). */
  private readonly taken = new Map<string, { at: number; sessionKey: string; result: Promise<string> }>();

  save(sessionKey: string, action: DraftAction, now: number): Draft {
    this.sweep(now);
    const draft: Draft = { id: randomToken(18), sessionKey, action, createdAt: now };
    this.drafts.set(draft.id, draft);
    return draft;
  }

  /** A draft to show again (back to edit), without consuming it. */
  peek(id: string, sessionKey: string): Draft | null {
    const d = this.drafts.get(id);
    return d && d.sessionKey === sessionKey ? d : null;
  }

  /**
   * Publishes a draft once. The draft leaves the map synchronously, before
   * the first await, so two concurrent requests cannot both take it; the
   * second gets the first one's result.
   */
  publishOnce(id: string, sessionKey: string, now: number, publish: (d: Draft) => Promise<string>): Promise<string> | null {
    const done = this.taken.get(id);
    // A published draft, like an unpublished one, belongs to the session that previewed it.
    if (done) return done.sessionKey === sessionKey ? done.result : null;
    const draft = this.drafts.get(id);
    if (!draft || draft.sessionKey !== sessionKey) return null;
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
