import type { Db } from './model.ts';

/**
 * What every domain verb works on: a draft of the data, the time, who acts,
 * and how Markdown becomes (sanitized) HTML: verbs render a body once, when
 * it is saved, with the renderer they are handed (src/render/markdown.ts).
 */
export interface VerbContext {
  db: Db;
  now: Date;
  actor: string;
  markdown: (body: string) => string;
  /**
   * Incident and window ids the outboxes name (email notices, channel posts), read at start. The data may
   * no longer hold them (an older herald.json restored over a newer one, a version rolled back): given
   * again, a new incident's postmortem or late notice counted as already sent, its email joined the old
   * one's thread, and the old email's link opened it. Never given again, as a withdrawn incident's id.
   */
  givenIds?: ReadonlySet<string>;
}
