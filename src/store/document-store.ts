/**
 * What Herald needs of its main data, whichever engine holds it: one
 * document, read from memory, changed only through `update` (a mutation on a
 * draft that becomes the data only once it is durably committed). Implemented
 * by the lowdb JSON file (store.ts, one process) and by PostgreSQL
 * (pg/document-store.ts, several replicas sharing one database).
 */
export interface DocumentStore<T> {
  /** Reads the stored document (creating it from the defaults when absent); says whether its schema was upgraded. */
  load(): Promise<{ migrated: boolean }>;
  /** The committed data. Treat as read-only: change it only through `update`. */
  readonly data: T;
  /** Runs `mutate` on a draft and commits it durably. A throw leaves everything unchanged. */
  update<R>(mutate: (draft: T) => R): Promise<R>;
  /** Writes the current data as it is (to create or upgrade the stored document). */
  flush(): Promise<void>;
  /**
   * Resolves once `data` is at least as new as the stored document was when called: another replica's change
   * reaches this one a moment after its commit. Rejects if the stored document cannot be read.
   */
  catchUp(): Promise<void>;
  /** Called after every committed change (ours, or one another replica made); returns the unsubscribe. */
  onChange(listener: (data: T) => void): () => void;
  /** Increases with every change this process sees; caches key on it. */
  readonly version: number;
}

/**
 * Catches `store` up (see catchUp) and says whether it could: false when the stored document cannot be read.
 * For a reader that found something missing another replica may have just made, before calling it gone.
 */
export const caughtUp = (store: Pick<DocumentStore<unknown>, 'catchUp'>): Promise<boolean> =>
  store.catchUp().then(
    () => true,
    () => false,
  );
