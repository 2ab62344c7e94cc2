import type { WriteHealth } from './write-health.ts';
import { Low } from 'lowdb';
import type { Adapter } from 'lowdb';
import { Unavailable } from '../domain/errors.ts';
import type { DocumentStore } from './document-store.ts';
import { draftOf } from './draft-copy.ts';
import { systemMessage } from './system-message.ts';

/**
 * The one writer of a lowdb document. Each `update` runs its mutation on a copy
 * of the current data, with no await in between (check and change in one
 * synchronous step), then writes the copy; only when the write succeeded does
 * the copy become the data everyone reads. So memory always equals disk, a
 * failed write (disk full, read-only folder) changes nothing, and a caller is
 * answered only after its change is on disk.
 */
export class Store<T> implements DocumentStore<T> {
  private readonly low: Low<T>;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<(data: T) => void>();
  /** Increases with every committed write; caches key on it. */
  version = 0;

  /** Hears of each write's outcome, as the file `name` (its path: /healthz). */
  private readonly writes: { health: WriteHealth; name: string } | undefined;

  constructor(adapter: Adapter<T>, defaults: T, writes?: { health: WriteHealth; name: string }) {
    this.low = new Low(adapter, defaults);
    this.writes = writes;
  }

  /** Reads the file (or keeps the defaults when it does not exist yet); says whether its schema was upgraded. */
  async load(): Promise<{ migrated: boolean }> {
    await this.low.read();
    return { migrated: (this.low.adapter as { migrated?: boolean }).migrated === true };
  }

  /** The committed data. Treat as read-only: change it only through `update`. */
  get data(): T {
    return this.low.data;
  }

  /** Runs `mutate` on a draft and commits it durably. A throw leaves everything unchanged. */
  update<R>(mutate: (draft: T) => R): Promise<R> {
    return this.commit(mutate, (err) => {
      // The caller gets a short 503; the operator needs the path and the reason, in one line per failed write
      // (a stack trace of the same fs call each time only buried them). An error with no code is a bug: its stack helps.
      const sys = err as NodeJS.ErrnoException;
      const file = this.writes?.name ?? (this.low.adapter as { file?: string }).file ?? 'the data file';
      if (sys?.code) console.error(`[herald] a write to ${file} failed (${systemMessage(sys)}); nothing was changed.`);
      else console.error(`[herald] a write to ${file} failed; nothing was changed:`, err);
      const code = sys?.code ?? 'EIO';
      this.writes?.health.record(this.writes.name, code);
      return new Unavailable(`The change could not be saved (${code}); nothing was changed. Reads keep working.`, 'storage_unavailable');
    });
  }

  /**
   * Runs `mutate` on a draft, writes it, and only then makes it the data; a failed write throws what
   * `failed` makes of the error.
   */
  private commit<R>(mutate: (draft: T) => R, failed: (err: unknown) => unknown): Promise<R> {
    const run = async (): Promise<R> => {
      const draft = draftOf(this.low.data);
      const result = mutate(draft);
      // Write the draft itself, not low.data: readers (pages rendering, other
      // requests) keep seeing the committed data until the write is on disk.
      try {
        await this.low.adapter.write(draft);
      } catch (err) {
        throw failed(err);
      }
      this.writes?.health.record(this.writes.name, null);
      this.low.data = draft;
      this.version++;
      // The change is committed: a failing listener must not report it as failed
      // (the caller would retry and, say, declare the incident twice).
      for (const listener of this.listeners) {
        try {
          listener(draft);
        } catch (err) {
          console.error('[herald] a store change listener failed:', err);
        }
      }
      return result;
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => {});
    return result;
  }

  /**
   * Writes the current data as it is (used once, at start: to create the file, or to write an upgraded one).
   * A failure throws the error itself, unlogged: it refuses the start, and startRefusalLine tells it in one
   * line (a 503's "Reads keep working" is not true of a Herald that does not start).
   */
  async flush(): Promise<void> {
    await this.commit(
      () => undefined,
      (err) => err,
    );
  }

  /** One process writes the file: what memory holds is the newest. */
  async catchUp(): Promise<void> {}

  onChange(listener: (data: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
