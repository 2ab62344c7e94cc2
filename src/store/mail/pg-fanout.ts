import { deliveryId, type NoticeKind } from './model.ts';
import { wantsMailSql } from './pg-subscribers.ts';
import { PgClaims } from './pg-claims.ts';

/** A notice to fan out, as the data file says (see notify/intents.ts). */
export interface NoticeToFanOut {
  key: string;
  incident: string;
  update: string;
  kind: NoticeKind;
  /** The components it is about (none: everyone). */
  components: readonly string[];
  /** The ids of the components that exist now (a follower of none of them hears about everything). */
  existing: readonly string[];
  /**
   * A reminder's key before reminders had keys of their own, and when this reminder fell due: an intent of
   * that key made since then was this reminder, sent already (intents.ts reminderCoveredBy).
   */
  legacy?: { key: string; at: string };
}

/** The notices of the shared outbox (mail_intents) as the leader fans them out into deliveries (see PgOutbox). */
export abstract class PgFanOut extends PgClaims {
  /** When the outbox was made (the first replica to start makes it): older notices are history. */
  async epoch(now: Date): Promise<string> {
    await this.db.query('INSERT INTO mail_outbox (one, epoch) VALUES (true, $1) ON CONFLICT (one) DO NOTHING', [now]);
    const { rows } = await this.db.query<{ epoch: Date }>('SELECT epoch FROM mail_outbox');
    return rows[0]!.epoch.toISOString();
  }

  /** The epoch as written (null before the first replica started); epoch(now) writes it. */
  async began(): Promise<string | null> {
    const { rows } = await this.db.query<{ epoch: Date }>('SELECT epoch FROM mail_outbox');
    return rows[0]?.epoch.toISOString() ?? null;
  }

  async begun(keys: readonly string[]): Promise<Set<string>> {
    const { rows } = await this.db.query<{ key: string }>('SELECT key FROM mail_intents WHERE key = ANY($1::text[])', [keys]);
    return new Set(rows.map((r) => r.key));
  }

  /** Whether a notice's fan-out is finished (false also when it has not started). */
  async fanOutDone(key: string): Promise<boolean> {
    const { rows } = await this.db.query<{ done: boolean }>('SELECT done FROM mail_intents WHERE key = $1', [key]);
    return rows[0]?.done ?? false;
  }

  /**
   * One fan-out step: the next `batch` deliverable subscribers past the
   * notice's cursor become queued deliveries (an existing one is left as it
   * is), and the cursor moves past them, in one transaction. Two replicas
   * stepping one notice take turns on its row.
   */
  async fanOutStep(n: NoticeToFanOut, batch: number, now: Date): Promise<{ created: number; done: boolean }> {
    return this.db.tx(async (c) => {
      if (n.legacy) {
        const covered = await c.query(
          'SELECT 1 FROM mail_intents WHERE key = $1 AND created_at >= $2 AND NOT EXISTS (SELECT 1 FROM mail_intents WHERE key = $3)',
          [n.legacy.key, n.legacy.at, n.key],
        );
        if (covered.rowCount) return { created: 0, done: true };
      }
      await c.query(
        `INSERT INTO mail_intents (key, incident, update_id, kind, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO NOTHING`,
        [n.key, n.incident, n.update, n.kind, now],
      );
      const { rows } = await c.query<{ cursor: string; done: boolean }>('SELECT cursor, done FROM mail_intents WHERE key = $1 FOR UPDATE', [
        n.key,
      ]);
      if (rows[0]!.done) return { created: 0, done: true };
      const step = await c.query<{ last: string | null; considered: string; created: string }>(
        `WITH subs AS (
           SELECT id, seq, components FROM mail_subscribers
           WHERE state = 'confirmed' AND suppressed IS NULL AND seq > $1 ORDER BY seq LIMIT $2
         ), made AS (
           INSERT INTO mail_deliveries (id, sub, intent, kind, state, created_at)
           SELECT s.id || '.' || $3, s.id, $4, $5, 'queued', $6 FROM subs s
           WHERE ${wantsMailSql('s.components', '$7::text[]', '$8::text[]')}
           ON CONFLICT (id) DO NOTHING RETURNING 1
         )
         SELECT (SELECT max(seq) FROM subs) AS last, (SELECT count(*) FROM subs) AS considered, (SELECT count(*) FROM made) AS created`,
        [rows[0]!.cursor, batch, deliveryId('', n.key).slice(1), n.key, n.kind, now, n.components, n.existing],
      );
      const r = step.rows[0]!;
      const done = Number(r.considered) < batch;
      await c.query('UPDATE mail_intents SET cursor = coalesce($2, cursor), done = $3 WHERE key = $1', [n.key, r.last, done]);
      return { created: Number(r.created), done };
    });
  }

  /** The notices whose fan-out is not finished, with their incident (the leader ends those withdrawn meanwhile). */
  async unfinished(): Promise<Array<{ key: string; incident: string }>> {
    const { rows } = await this.db.query<{ key: string; incident: string }>('SELECT key, incident FROM mail_intents WHERE NOT done');
    return rows;
  }

  /** Ends a notice's fan-out where it stands (its incident was withdrawn): no step makes more of it. */
  async endFanOut(key: string): Promise<void> {
    await this.db.query('UPDATE mail_intents SET done = true WHERE key = $1', [key]);
  }
}
