import { Unavailable } from '../../domain/errors.ts';
import { DEFAULT_TIMEOUTS, describePgError, isConnectionError, openPool, type PgTimeouts, type Pool } from './client.ts';
import type { Listener } from './listener.ts';
import { NewerData } from '../migrate.ts';
import { InvalidStoredDocument, type PgDocumentStoreOptions } from './document-options.ts';

/**
 * The copy in memory of Herald's document in PostgreSQL (see PgDocumentStore, which writes it): what it
 * serves, how it follows the other replicas' commits (the notification, the poll, the reload behind the
 * writes), a stored document it refuses, and whether PostgreSQL answers.
 */
export abstract class DocumentReplica<T> {
  protected readonly opts: PgDocumentStoreOptions<T>;
  protected readonly timeouts: PgTimeouts;
  protected readonly pool: Pool;
  protected readonly log: (line: string) => void;
  protected current: T;
  /** The row's version our `current` is; shared by all replicas (unlike `version`, which is this process's counter). */
  protected documentVersion = 0;
  protected localVersion = 0;
  protected queue: Promise<unknown> = Promise.resolve();
  protected readonly listeners = new Set<(data: T) => void>();
  protected listener: Listener | null = null;
  protected pollTimer: NodeJS.Timeout | null = null;
  protected polling = false;
  protected reloadQueued = false;
  protected loaded = false;
  protected closed = false;
  /**
   * The stored document `parse` refused (a newer Herald wrote it, say), while it is the stored one: reported
   * once, not at every poll, and in /healthz; this replica does not lead meanwhile (see refusal).
   */
  protected refused: { version: number; error: InvalidStoredDocument } | null = null;
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

  onChange(listener: (data: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  protected appName(prefix: string): string {
    return this.opts.replica ? `${prefix}:${this.opts.replica}` : prefix;
  }

  protected decode(raw: unknown): { data: T; migrated: boolean } {
    try {
      const upgraded = this.opts.upgrade ? this.opts.upgrade(raw) : { data: raw, migrated: false };
      return { data: this.opts.parse(upgraded.data), migrated: upgraded.migrated };
    } catch (err) {
      const issue = (err as { issues?: Array<{ path: PropertyKey[]; message: string }> }).issues?.[0];
      const reason = issue ? `${issue.path.map(String).join('.') || 'root'}: ${issue.message}` : (err as Error).message;
      throw new InvalidStoredDocument(reason, { cause: err });
    }
  }

  /** Makes `data` the committed document `version`, and tells the listeners. */
  protected apply(version: number, data: T): void {
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
  protected queueReload(): void {
    if (this.reloadQueued || this.closed) return;
    this.reloadQueued = true;
    void this.behindWrites(async () => {
      // A notification that arrives while this one reads queues another: it may be newer.
      this.reloadQueued = false;
      await this.reload();
    });
  }

  /** Runs a reload behind the writes and reloads queued before it; settles when it has run, never rejects. */
  protected behindWrites(read: () => Promise<void>): Promise<void> {
    const done = this.queue.then(read, read).catch(() => {});
    this.queue = done;
    return done;
  }

  /** Whether the stored version could be read. */
  protected async reload(): Promise<boolean> {
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
  protected refuse(version: number, err: unknown): void {
    if (!(err instanceof InvalidStoredDocument)) return;
    if (this.refused?.version !== version) this.log(`[herald] ${err.message} Serving the last valid version; not leading.`);
    this.refused = { version, error: err };
  }

  /** The stored document is one this replica reads (again). */
  protected readable(): void {
    if (!this.refused) return;
    this.refused = null;
    this.log('[herald] the stored document is readable again: serving it, and competing for the lead again.');
  }

  /** The safety net under LISTEN: a cheap look at the version. */
  protected async poll(): Promise<void> {
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

  protected setHealthy(ok: boolean, err?: unknown): void {
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
