import { Unavailable, Unconfirmed } from '../../domain/errors.ts';
import type { DocumentStore } from '../document-store.ts';
import { DEFAULT_TIMEOUTS, describePgError, isConnectionError, openPool, type PgTimeouts, type Pool, withClient } from './client.ts';
import { Listener } from './listener.ts';
import { MIGRATION_LOCK_KEY, migrateDatabase } from './migrate.ts';
import { startRefusal } from './start-refusal.ts';
import { NEWER_REMEDY, NewerData } from '../migrate.ts';
import { draftOf } from '../draft-copy.ts';

/** The channel every commit notifies, with the new version as payload. */
export const DOCUMENT_CHANNEL = 'herald_document';

export interface PgDocumentStoreOptions<T> {
  /** postgres://user:password@host:port/database */
  url: string;
  /** The document written when the database has none yet. */
  defaults: T;
  /** Validates a document read from PostgreSQL (zod's parse); throws when it is not one. */
  parse: (raw: unknown) => T;
  /** Upgrades an older schema before `parse` (src/store/migrate.ts's `migrate`), saying whether it did. */
  upgrade?: (raw: unknown) => { data: unknown; migrated: boolean };
  /** How often to check the version, for a notification that went missing. */
  pollMs?: number;
  timeouts?: Partial<PgTimeouts>;
  /** Names this replica's connections in pg_stat_activity: herald:<replica>, herald-listen:<replica>. */
  replica?: string;
  /** The folder of SQL migrations (tests); Herald's own by default. */
  migrationsDir?: string;
  /** Read only (the static export): tables not migrated, refused when this release needs them migrated. */
  readOnly?: boolean;
  /**
   * Thrown by `load` instead of creating the document when the database has none, before anything (not even
   * a table) is made in it: DATA_DIR holds an embedded site that starting empty would leave behind.
   */
  refuseToCreate?: Error;
  log?: (line: string) => void;
}

/** A document read from the database is refused by `parse`: a Herald bug, or a newer Herald wrote it. */
export class InvalidStoredDocument extends Error {
  constructor(reason: string, options?: ErrorOptions) {
    const remedy = options?.cause instanceof NewerData ? ` ${NEWER_REMEDY}` : '';
    super(`The Herald document in PostgreSQL is not valid for this Herald (${reason}). It has not been changed.${remedy}`, options);
    this.name = 'InvalidStoredDocument';
  }
}

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
export class PgDocumentStore<T> implements DocumentStore<T> {
  private readonly opts: PgDocumentStoreOptions<T>;
  private readonly timeouts: PgTimeouts;
  private readonly pool: Pool;
  private readonly log: (line: string) => void;
  private current: T;
  /** The row's version our `current` is; shared by all replicas (unlike `version`, which is this process's counter). */
  private documentVersion = 0;
  private localVersion = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<(data: T) => void>();
  private listener: Listener | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private polling = false;
  private reloadQueued = false;
  private loaded = false;
  private closed = false;
  /**
   * The stored document `parse` refused (a newer Herald wrote it, say), while it is the stored one: reported
   * once, not at every poll, and in /healthz; this replica does not lead meanwhile (see refusal).
   */
  private refused: { version: number; error: InvalidStoredDocument } | null = null;
  /** Whether the last contact with PostgreSQL succeeded (for /healthz). */
  healthy = false;

  constructor(opts: PgDocumentStoreOptions<T>) {
    this.opts = opts;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
    this.log = opts.log ?? ((line) => console.error(line));
    this.current = opts.defaults;
    this.pool = openPool(opts.url, { timeouts: this.timeouts, applicationName: this.appName('herald'), log: this.log });
  }

  get data(): T {
    return this.current;
  }

  /** Increases with every change this process sees (its own commits and other replicas'); caches key on it. */
  get version(): number {
    return this.localVersion;
  }

  /** The version of the document in PostgreSQL that `data` is (the same number on every replica). */
  get documentRevision(): number {
    return this.documentVersion;
  }

  /**
   * Why the stored document is refused (its newer schema, or that it is not valid for this Herald: the
   * details go to the log), or null while the one in memory is the stored one.
   */
  get refusal(): string | null {
    if (!this.refused) return null;
    const cause = this.refused.error.cause;
    return cause instanceof NewerData ? cause.message : 'not valid for this Herald version';
  }

  /** Whether LISTEN is in place (when not, other replicas' changes arrive by the poll only). */
  get listening(): boolean {
    return this.listener?.listening ?? false;
  }

  /** The server process of the LISTEN connection (tests terminate it to lose a notification). */
  get listenerBackendPid(): number | null {
    return this.listener?.backendPid ?? null;
  }

  /**
   * Applies the migrations, creates the document from the defaults when the
   * database has none (`created`: this replica did), reads it, then starts
   * listening and polling. Refuses (throws) when PostgreSQL cannot be reached
   * or holds a document `parse` refuses: Herald does not start on no data.
   */
  async load(): Promise<{ migrated: boolean; created: boolean }> {
    if (this.loaded) throw new Error('PgDocumentStore.load() was already called.');
    let row: { version: string; data: unknown };
    let created: boolean;
    try {
      if (this.opts.refuseToCreate && (await this.site()) === 'none') throw this.opts.refuseToCreate;
      await migrateDatabase(this.pool, this.opts.migrationsDir, { readOnly: this.opts.readOnly === true });
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

  onChange(listener: (data: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
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
   * Whether the database already has Herald's document (read without creating the tables it may lack);
   * 'no-schema' when DATABASE_URL's search_path names no schema there: no place for a site rather than no
   * site, which the migration's own refusal then names (3F000), not db:import.
   */
  private site(): Promise<'present' | 'none' | 'no-schema'> {
    return withClient(this.pool, async (client) => {
      // Under the migrations' lock, which an import holds until its commit: a document being imported counts.
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      try {
        const table = await client.query<{ present: boolean; schema: string | null }>(
          "SELECT to_regclass('herald_document') IS NOT NULL AS present, current_schema() AS schema",
        );
        if (table.rows[0]?.schema === null) return 'no-schema';
        if (!table.rows[0]?.present) return 'none';
        return (await client.query('SELECT 1 FROM herald_document WHERE id = 1')).rowCount === 1 ? 'present' : 'none';
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
      }
    });
  }

  private appName(prefix: string): string {
    return this.opts.replica ? `${prefix}:${this.opts.replica}` : prefix;
  }

  private decode(raw: unknown): { data: T; migrated: boolean } {
    try {
      const upgraded = this.opts.upgrade ? this.opts.upgrade(raw) : { data: raw, migrated: false };
      return { data: this.opts.parse(upgraded.data), migrated: upgraded.migrated };
    } catch (err) {
      const issue = (err as { issues?: Array<{ path: PropertyKey[]; message: string }> }).issues?.[0];
      const reason = issue ? `${issue.path.map(String).join('.') || 'root'}: ${issue.message}` : (err as Error).message;
      throw new InvalidStoredDocument(reason, { cause: err });
    }
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
        const { rows } = await client.query<{ version: string; data: unknown }>(
          'SELECT version, data FROM herald_document WHERE id = 1 FOR UPDATE',
        );
        const row = rows[0];
        if (!row) throw new Error('herald_document has no row: it was deleted behind Herald.');
        const rowVersion = Number(row.version);
        let base = this.current;
        // Usually another replica's commit; a lower number means the database was restored from a backup: it is the truth either way.
        if (rowVersion !== this.documentVersion) {
          try {
            newer = { version: rowVersion, data: this.decode(row.data).data };
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

  /** Makes `data` the committed document `version`, and tells the listeners. */
  private apply(version: number, data: T): void {
    this.readable();
    if (version === this.documentVersion) return;
    this.current = data;
    this.documentVersion = version;
    this.localVersion++;
    // The change is committed: a failing listener must not undo or fail it.
    for (const listener of this.listeners) {
      try {
        listener(data);
      } catch (err) {
        this.log(`[herald] a store change listener failed: ${(err as Error).stack ?? err}`);
      }
    }
  }

  /** See DocumentStore.catchUp: a read of the version (and the document if it changed), queued like a notification's. */
  async catchUp(): Promise<void> {
    if (this.closed) return;
    let read = false;
    await this.behindWrites(async () => {
      read = await this.reload();
    });
    if (!read) throw new Unavailable('The stored document could not be read.', 'storage_unavailable');
    // Not caught up while the stored document is refused: what this copy lacks may be in it, and a caller
    // deciding a record is gone (a notice of an incident a newer Herald declared) must wait, not fail it.
    if (this.refused) throw new Unavailable('The stored document is not valid for this Herald version.', 'storage_invalid');
  }

  /**
   * Reads the document again if its version is not ours. Queued behind the
   * writes, so a reload never lands between a commit and its `apply` (which
   * would put an older document back).
   */
  private queueReload(): void {
    if (this.reloadQueued || this.closed) return;
    this.reloadQueued = true;
    void this.behindWrites(async () => {
      // A notification that arrives while this one reads queues another: it may be newer.
      this.reloadQueued = false;
      await this.reload();
    });
  }

  /** Runs a reload behind the writes and reloads queued before it; settles when it has run, never rejects. */
  private behindWrites(read: () => Promise<void>): Promise<void> {
    const done = this.queue.then(read, read).catch(() => {});
    this.queue = done;
    return done;
  }

  /** Whether the stored version could be read. */
  private async reload(): Promise<boolean> {
    if (this.closed) return false;
    let row: { version: string; data: unknown } | undefined;
    try {
      // Sends the document only when it changed: the version alone is a few bytes.
      const { rows } = await this.pool.query<{ version: string; data: unknown }>(
        'SELECT version, CASE WHEN version <> $1 THEN data END AS data FROM herald_document WHERE id = 1',
        [this.documentVersion],
      );
      row = rows[0];
    } catch (err) {
      if (!this.closed) this.setHealthy(!isConnectionError(err), err);
      return false;
    }
    this.setHealthy(true);
    if (!row || Number(row.version) === this.documentVersion) {
      // The stored document is ours again (a restore that put back the version this replica holds).
      this.readable();
      return true;
    }
    const version = Number(row.version);
    try {
      this.apply(version, this.decode(row.data).data);
    } catch (err) {
      // Keep serving what we have: better the last valid data than none.
      this.refuse(version, err);
    }
    return true;
  }

  /** The stored document `version` was refused: logged once per version. */
  private refuse(version: number, err: unknown): void {
    if (!(err instanceof InvalidStoredDocument)) return;
    if (this.refused?.version !== version) this.log(`[herald] ${err.message} Serving the last valid version; not leading.`);
    this.refused = { version, error: err };
  }

  /** The stored document is one this replica reads (again). */
  private readable(): void {
    if (!this.refused) return;
    this.refused = null;
    this.log('[herald] the stored document is readable again: serving it, and competing for the lead again.');
  }

  /** The safety net under LISTEN: a cheap look at the version. */
  private async poll(): Promise<void> {
    if (this.polling || this.closed) return;
    this.polling = true;
    try {
      const { rows } = await this.pool.query<{ version: string }>('SELECT version FROM herald_document WHERE id = 1');
      this.setHealthy(true);
      const version = Number(rows[0]?.version);
      // While refused, anything but the refused version is news: a restore of the version this replica holds too.
      if (this.refused ? version !== this.refused.version : version !== this.documentVersion) this.queueReload();
    } catch (err) {
      // After close() the pool refuses queries: not news about PostgreSQL.
      if (!this.closed) this.setHealthy(!isConnectionError(err), err);
    } finally {
      this.polling = false;
    }
  }

  private setHealthy(ok: boolean, err?: unknown): void {
    if (ok === this.healthy) return;
    this.healthy = ok;
    if (!this.loaded) return;
    this.log(
      ok
        ? '[herald] PostgreSQL is reachable again.'
        : `[herald] PostgreSQL is unreachable (${describePgError(err)}); serving the last data read, writes fail until it is back.`,
    );
  }
}
