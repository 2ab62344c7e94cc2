import { Unavailable, Unconfirmed } from '../../domain/errors.ts';
import type { DocumentStore } from '../document-store.ts';
import { describePgError, isConnectionError, withClient } from './client.ts';
import { Listener } from './listener.ts';
import { MIGRATION_LOCK_KEY, migrateDatabase } from './migrate.ts';
import { startRefusal } from './start-refusal.ts';
import { upgradeDatabase } from './upgrade.ts';
import { draftOf } from '../draft-copy.ts';
import { DOCUMENT_CHANNEL, InvalidStoredDocument } from './document-options.ts';
import { DocumentReplica } from './document-replica.ts';

/** A reason short enough for an HTTP answer: the code, never the host or the query (those go to the log). */
const shortReason = (err: unknown): string => {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code) return code;
  return isConnectionError(err) ? 'connection lost' : 'database error';
};

/**
 * Herald's document in PostgreSQL, shared by several replicas.
 *
 * Reads are served from memory (`data`), as with the file. A write runs in a
 * transaction that locks the one row (SELECT ... FOR UPDATE): replicas take
 * turns, and each mutates the latest committed document (if another replica
 * wrote since our copy, its document is the base), so no write is lost. The
 * commit notifies the others (NOTIFY, delivered only on commit), which reload;
 * a poll of the version catches what a notification missed (a dropped LISTEN
 * connection). Only after COMMIT does the draft become `data`.
 *
 * When PostgreSQL is unreachable, writes fail with Unavailable and change
 * nothing, reads keep the last data, and everything reconnects by itself.
 */
export class PgDocumentStore<T> extends DocumentReplica<T> implements DocumentStore<T> {
  /**
   * Brings the database to this release (upgrade.ts: refused while other
   * replicas run on it), creates the document from the defaults when the
   * database has none (`created`: this replica did), reads it, then starts
   * listening and polling. Refuses (throws) when PostgreSQL cannot be reached
   * or holds a document `parse` refuses: Herald does not start on no data.
   */
  async load(): Promise<{ migrated: boolean; created: boolean }> {
    if (this.loaded) throw new Error('PgDocumentStore.load() was already called.');
    let row: { version: string; data: unknown };
    let created: boolean;
    try {
      if (this.opts.refuseToCreate || this.opts.refuseSite) {
        const site = await this.site();
        if (site === 'none' && this.opts.refuseToCreate) throw this.opts.refuseToCreate;
        const refusal = typeof site === 'object' ? this.opts.refuseSite?.(site.pageId) : undefined;
        if (refusal) throw refusal;
      }
      // A reader (the static export) upgrades nothing, beside any replica: it checks that the tables are this release's.
      if (this.opts.readOnly) await migrateDatabase(this.pool, this.opts.migrationsDir, { readOnly: true });
      else {
        await upgradeDatabase(this.pool, {
          migrationsDir: this.opts.migrationsDir,
          replica: this.opts.replica,
          upgrade: this.opts.upgrade,
          parse: this.opts.parse,
          alone: this.opts.upgradeBesideOthers !== true,
          log: this.log,
        });
      }
      // A reader (the static export) inserts no document.
      const inserted = this.opts.readOnly
        ? null
        : await this.pool.query(
            'INSERT INTO herald_document (id, version, data, updated_at) VALUES (1, 1, $1, now()) ON CONFLICT (id) DO NOTHING',
            [JSON.stringify(this.opts.defaults)],
          );
      created = inserted?.rowCount === 1;
      const { rows } = await this.pool.query<{ version: string; data: unknown }>('SELECT version, data FROM herald_document WHERE id = 1');
      if (!rows[0]) throw this.opts.refuseToCreate ?? new InvalidStoredDocument('the database holds no Herald document');
      row = rows[0];
    } catch (err) {
      await this.pool.end().catch(() => {});
      throw startRefusal(err, this.opts.url) ?? err;
    }
    let decoded: { data: T; migrated: boolean };
    try {
      decoded = this.decode(row.data);
    } catch (err) {
      await this.pool.end().catch(() => {});
      throw err;
    }
    this.current = decoded.data;
    this.documentVersion = Number(row.version);
    // Healthy from the first read on (before `loaded`, so the start is not logged as a recovery).
    this.setHealthy(true);
    this.loaded = true;
    this.listener = new Listener({
      url: this.opts.url,
      channel: DOCUMENT_CHANNEL,
      applicationName: this.appName('herald-listen'),
      connectTimeoutMs: this.timeouts.connectTimeoutMs,
      log: this.log,
      onNotify: (payload) => {
        // Our own commits come back too: only a version past ours is news (or, while refused, any other).
        const version = Number(payload);
        if (this.refused ? version !== this.refused.version : version > this.documentVersion) this.queueReload();
      },
      // Whatever was committed while LISTEN was down was not notified to us.
      onListen: () => this.queueReload(),
    });
    await this.listener.start();
    this.pollTimer = setInterval(() => void this.poll(), this.opts.pollMs ?? 250);
    this.pollTimer.unref();
    return { migrated: decoded.migrated, created };
  }

  /**
   * Runs `mutate` on a copy of the latest committed document and commits it.
   * `mutate` runs synchronously inside the transaction, holding the row lock
   * (no other replica can commit in between); what it throws is rethrown
   * unchanged after a ROLLBACK. A failure of PostgreSQL throws Unavailable.
   */
  update<R>(mutate: (draft: T) => R): Promise<R> {
    const run = () => this.commit(mutate);
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => {});
    return result;
  }

  async flush(): Promise<void> {
    await this.update(() => undefined);
  }

  /** Stops listening and polling, waits for the write in progress, closes the connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    await this.listener?.close();
    await this.queue;
    await this.pool.end().catch(() => {});
  }

  /**
   * Whether the database already has Herald's document, and whose page it is (read without creating the
   * tables it may lack); 'no-schema' when DATABASE_URL's search_path names no schema there: no place for a
   * site rather than no site, which the migration's own refusal then names (3F000), not db:import.
   */
  private site(): Promise<{ pageId: string | null } | 'none' | 'no-schema'> {
    return withClient(this.pool, async (client) => {
      // Under the migrations' lock, which an import holds until its commit: a document being imported counts.
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      try {
        const table = await client.query<{ present: boolean; schema: string | null }>(
          "SELECT to_regclass('herald_document') IS NOT NULL AS present, current_schema() AS schema",
        );
        if (table.rows[0]?.schema === null) return 'no-schema';
        if (!table.rows[0]?.present) return 'none';
        if (!this.opts.refuseSite)
          return (await client.query('SELECT 1 FROM herald_document WHERE id = 1')).rowCount === 1 ? { pageId: null } : 'none';
        // Parsed here, not with PostgreSQL's `->`: that decodes every string of the document and refuses one holding
        // \u0000 (22P05), which the `json` column keeps as written.
        const { rows } = await client.query<{ data: { page?: { id?: unknown } } | null }>('SELECT data FROM herald_document WHERE id = 1');
        if (!rows[0]) return 'none';
        const id = rows[0].data?.page?.id;
        return { pageId: typeof id === 'string' ? id : null };
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
      }
    });
  }

  private async commit<R>(mutate: (draft: T) => R): Promise<R> {
    if (!this.loaded || this.closed) throw new Unavailable('The store is not open; nothing was changed.', 'storage_unavailable');
    /** How far the transaction got: a failure at COMMIT leaves its outcome unknown. */
    let stage = 'begin' as 'begin' | 'commit';
    /** Another replica's commit found under the lock: true whatever becomes of ours. */
    let newer = null as { version: number; data: T } | null;
    let outcome: { ok: true; result: R; version: number; draft: T } | { ok: false; error: unknown };
    try {
      outcome = await withClient(this.pool, async (client) => {
        await client.query('BEGIN');
        // The version alone, under the lock: the document itself (tens of MB after years of incidents, seconds to
        // read and parse) is read only when another replica wrote since this one's copy, which is current otherwise.
        const { rows } = await client.query<{ version: string }>('SELECT version FROM herald_document WHERE id = 1 FOR UPDATE');
        const row = rows[0];
        if (!row) throw new Error('herald_document has no row: it was deleted behind Herald.');
        const rowVersion = Number(row.version);
        let base = this.current;
        // Usually another replica's commit; a lower number means the database was restored from a backup: it is the truth either way.
        if (rowVersion !== this.documentVersion) {
          const { rows: data } = await client.query<{ data: unknown }>('SELECT data FROM herald_document WHERE id = 1');
          try {
            newer = { version: rowVersion, data: this.decode(data[0]!.data).data };
          } catch (error) {
            this.refuse(rowVersion, error);
            await client.query('ROLLBACK');
            return { ok: false as const, error };
          }
          base = newer.data;
        }
        const draft = draftOf(base);
        let result: R;
        try {
          result = mutate(draft);
        } catch (error) {
          // The verb refused: a normal answer, the connection is fine and goes back to the pool.
          await client.query('ROLLBACK');
          return { ok: false as const, error };
        }
        const next = rowVersion + 1;
        await client.query('UPDATE herald_document SET version = $1, data = $2, updated_at = now() WHERE id = 1', [
          next,
          JSON.stringify(draft),
        ]);
        // Transactional: the other replicas hear of it only if the commit happens.
        await client.query('SELECT pg_notify($1, $2)', [DOCUMENT_CHANNEL, String(next)]);
        stage = 'commit';
        await client.query('COMMIT');
        return { ok: true as const, result, version: next, draft };
      });
    } catch (err) {
      if (newer) this.apply(newer.version, newer.data);
      this.setHealthy(!isConnectionError(err), err);
      // Nothing of ours is in memory; if the commit did happen after all, the poll brings it in.
      if (stage === 'commit') {
        this.log(
          `[herald] PostgreSQL did not confirm a commit (${describePgError(err)}); its outcome shows once the database answers again.`,
        );
        throw new Unconfirmed(
          `PostgreSQL did not confirm the change (${shortReason(err)}); it may or may not have been saved. Reads keep working.`,
        );
      }
      this.log(`[herald] a write to PostgreSQL failed; nothing was changed: ${describePgError(err)}`);
      throw new Unavailable(
        `The change could not be saved (${shortReason(err)}); nothing was changed. Reads keep working.`,
        'storage_unavailable',
      );
    }
    this.setHealthy(true);
    if (!outcome.ok) {
      if (newer) this.apply(newer.version, newer.data);
      if (outcome.error instanceof InvalidStoredDocument) {
        this.log(`[herald] ${outcome.error.message}`);
        throw new Unavailable('The stored data is not valid for this Herald version; nothing was changed.', 'storage_invalid');
      }
      throw outcome.error;
    }
    this.apply(outcome.version, outcome.draft);
    return outcome.result;
  }
}
