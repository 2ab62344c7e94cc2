import type { Db } from './model.ts';

/** What every domain verb works on: a draft of the data, the time, who acts. */
export interface VerbContext {
  db: Db;
  now: Date;
  actor: string;
}
