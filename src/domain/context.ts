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
}
