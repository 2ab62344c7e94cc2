import type { PgTimeouts } from './client.ts';
import { NEWER_REMEDY, NewerData } from '../migrate.ts';

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
  /**
   * Upgrade the tables or the document even while other replicas run on the database (Herald refuses to start
   * then, README: Upgrading): only for a test of the older replica's own refusal, the race that check cannot close.
   */
  upgradeBesideOthers?: boolean;
  /** Read only (the static export): tables not migrated, refused when this release needs them migrated. */
  readOnly?: boolean;
  /**
   * Thrown by `load` instead of creating the document when the database has none, before anything (not even
   * a table) is made in it: DATA_DIR holds an embedded site that starting empty would leave behind.
   */
  refuseToCreate?: Error;
  /**
   * Asked by `load`, before anything is made or changed in the database, when it already holds a document: the
   * error to throw instead of joining that site (`pageId`, its `page.id`; null when it has none), or undefined.
   */
  refuseSite?: (pageId: string | null) => Error | undefined;
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
