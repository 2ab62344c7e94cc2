import type { WriteHealth } from './write-health.ts';
import { openSync, readSync, closeSync, ftruncateSync, fsyncSync, existsSync, constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileDurably, CorruptDataFile } from './durable-file.ts';
import { Unavailable } from '../domain/errors.ts';
import { keepPrivate } from './private-file.ts';

/**
 * An append-only JSON Lines file: the storage of collections that grow large
 * (subscribers, deliveries), where rewriting a whole file per change would
 * make each write cost as much as the collection.
 *
 * - `append` adds records and resolves once they are fsynced. Appends that
 *   arrive while a flush is running are written together by the next flush
 *   (group commit), so a burst of N changes costs a few fsyncs, not N.
 *   A flush is whole or nothing: it is written at the end of the last good
 *   record (looping on short writes), and on any failure (a full disk) the
 *   file is cut back to that end, so nothing answered with an error is left
 *   in it and nothing written later lands after a hole.
 * - `replay` (at start) returns every record in order. A crash can leave a
 *   torn last line: it never completed its fsync, so nobody was told it was
 *   saved; it is dropped and the file is cut back to the last whole line.
 *   A bad line anywhere else means the file was damaged: refuse to start.
 * - `compact(records)` replaces the file with the given live state through
 *   writeFileDurably (temp file, fsync, rename), so a crash leaves the old
 *   journal or the new one.
 */
/** O_DSYNC where the platform has it (Linux, macOS); elsewhere each flush calls fdatasync. */
const DSYNC: number = constants.O_DSYNC ?? 0;

export class Journal {
  readonly file: string;
  private fh: FileHandle | null = null;
  private buffer: string[] = [];
  private waiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  private flushing: Promise<void> | null = null;
  private pendingCompaction: (() => Promise<void>) | null = null;
  private compactionRecords: (() => readonly object[]) | null = null;
  private compactionWaiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  /** Bytes known to be whole records: where the next flush writes. */
  private size = 0;
  /** A failed flush could not be cut back: the next one cuts the file to `size` first. */
  private tornTail = false;
  /** Lines in the file now: compaction is worth it once this far exceeds the live records. */
  lines = 0;
  /** Flushes begun (each a write with O_DSYNC, more than one only if the disk takes it in parts): what `spacingMs` saves, for tests and benchmarks. */
  flushes = 0;
  private readonly spacingMs: number;
  private lastFlushAt = Number.NEGATIVE_INFINITY;
  private readonly writes: WriteHealth | undefined;

  /**
   * `spacingMs`: under a steady stream of appends, a flush begins no sooner than this after the one before
   * began, and carries all that arrived meanwhile. An append after a quiet spell is flushed at once.
   * `writes` hears of each flush's outcome (/healthz).
   */
  constructor(file: string, opts: { spacingMs?: number; writes?: WriteHealth } = {}) {
    this.file = file;
    this.spacingMs = opts.spacingMs ?? 0;
    this.writes = opts.writes;
  }

  /**
   * Reads every whole record, in order (returned, or handed to `visit`), dropping a torn tail. Synchronous: runs
   * once at start. Reads 1 MB at a time rather than the whole file as one
   * string, so a large journal does not need its size again in memory.
   */
  replay(visit?: (record: unknown) => void): unknown[] {
    const out: unknown[] = [];
    if (!existsSync(this.file)) return out;
    keepPrivate(this.file);
    let count = 0;
    // With a visitor, records are handed over one by one and not kept: a big journal is never all in memory twice.
    const take = visit ?? ((r: unknown) => out.push(r));
    const fd = openSync(this.file, 'r+');
    try {
      const chunk = Buffer.allocUnsafe(1 << 20);
      let carry: Buffer = Buffer.alloc(0);
      let offset = 0; // bytes of whole lines consumed so far
      let line = 0;
      for (;;) {
        const n = readSync(fd, chunk, 0, chunk.length, null);
        if (n === 0) break;
        const data = carry.length ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
        let start = 0;
        for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
          line++;
          const raw = data.toString('utf8', start, nl);
          offset += nl + 1 - start;
          start = nl + 1;
          if (raw.trim() === '') continue;
          // NULs are never written by Herald: they are a hole a short write of an older version left
          // (the file system zero-fills a truncate past the end). The record cut short before the zeros
          // was never whole; the next append (the file was opened O_APPEND) landed right after them, on
          // the same line, and is whole: it was acknowledged, so it is kept.
          if (raw.includes('\u0000')) {
            let kept = false;
            try {
              const after: unknown = JSON.parse(raw.slice(raw.lastIndexOf('\u0000') + 1));
              if (after !== null && typeof after === 'object' && !Array.isArray(after)) {
                take(after);
                count++;
                kept = true;
              }
            } catch {
              /* cut short as well: nothing whole on this line */
            }
            const also = kept ? '; kept the whole record written after them' : '';
            console.error(`[herald] ${this.file} line ${line}: skipped a damaged record (NUL bytes from an interrupted write)${also}`);
            continue;
          }
          let record: unknown;
          try {
            record = JSON.parse(raw);
          } catch (err) {
            throw new CorruptDataFile(this.file, `line ${line} is not JSON: ${(err as Error).message}`);
          }
          take(record);
          count++;
        }
        carry = Buffer.from(data.subarray(start));
      }
      if (carry.length > 0) {
        // No newline at the end: the last append did not finish. Cut it off so the next append starts clean.
        ftruncateSync(fd, offset);
        fsyncSync(fd);
      }
    } finally {
      closeSync(fd);
    }
    this.lines = count;
    return out;
  }

  /** Appends records; resolves when they are on disk. */
  append(records: readonly object[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    let chunk = '';
    for (const r of records) chunk += JSON.stringify(r) + '\n';
    this.buffer.push(chunk);
    this.lines += records.length;
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.kick();
    return done;
  }

  /**
   * Replaces the file with `records` (the live state). Appends made meanwhile land after it. `records` runs
   * inside the flush chain, between flushes: lines appended but not yet written are written after what it
   * returns, so a caller whose memory already reflects such a line must return state that the line, replayed
   * again after it, leaves as it is. Compactions asked for while one waits to run are done as that one
   * (the latest `records`), and all of them resolve with it.
   */
  compact(records: () => readonly object[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.compactionWaiters.push({ resolve, reject });
      this.compactionRecords = records;
      if (this.pendingCompaction) return;
      this.pendingCompaction = async () => {
        const waiters = this.compactionWaiters;
        const take = this.compactionRecords!;
        this.compactionWaiters = [];
        this.compactionRecords = null;
        try {
          const live = take();
          let text = '';
          for (const r of live) text += JSON.stringify(r) + '\n';
          await this.fh?.close();
          this.fh = null;
          await writeFileDurably(this.file, text);
          this.lines = live.length + this.buffer.reduce((n, c) => n + countLines(c), 0);
          for (const w of waiters) w.resolve();
        } catch (err) {
          for (const w of waiters) w.reject(err as Error);
        }
      };
      this.kick();
    });
  }

  private kick(): void {
    if (this.flushing) return;
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = null;
      if (this.buffer.length > 0 || this.pendingCompaction) this.kick();
    });
  }

  private async flushLoop(): Promise<void> {
    while (this.buffer.length > 0 || this.pendingCompaction) {
      if (this.pendingCompaction) {
        const job = this.pendingCompaction;
        this.pendingCompaction = null;
        await job();
        continue;
      }
      const wait = this.lastFlushAt + this.spacingMs - performance.now();
      if (wait > 0) {
        await sleep(wait);
        continue; // a compaction asked for meanwhile goes first
      }
      this.lastFlushAt = performance.now();
      this.flushes++;
      const data = this.buffer.join('');
      const waiters = this.waiters;
      this.buffer = [];
      this.waiters = [];
      try {
        if (!this.fh) {
          // Read-write, not append: every flush writes at `size`, the end of the last whole record. O_DSYNC: each
          // write returns once its data is on disk (a write and an fdatasync in one call), so a flush costs one
          // round trip to the thread pool rather than two: under load each one waits for a turn of the event loop.
          this.fh = await open(this.file, constants.O_RDWR | constants.O_CREAT | DSYNC, 0o600);
          this.size = (await this.fh.stat()).size;
        }
        const bytes = Buffer.from(data);
        if (this.tornTail) {
          await this.fh.truncate(this.size);
          this.tornTail = false;
        }
        for (let off = 0; off < bytes.length; ) {
          const { bytesWritten } = await this.fh.write(bytes, off, bytes.length - off, this.size + off);
          if (bytesWritten <= 0) throw Object.assign(new Error('no bytes written'), { code: 'ENOSPC' });
          off += bytesWritten;
        }
        if (!DSYNC) await this.fh.datasync();
        this.size += bytes.length;
        this.writes?.record(this.file, null);
        for (const w of waiters) w.resolve();
      } catch (err) {
        // Part of the chunk may be in the file: cut it off, so its records (answered with an error) never count.
        if (this.fh) await this.fh.truncate(this.size).catch(() => (this.tornTail = true));
        const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
        this.writes?.record(this.file, code);
        const failure = new Unavailable(`The change could not be saved (${code}).`, 'storage_unavailable');
        for (const w of waiters) w.reject(failure);
      }
    }
  }

  /** Waits for pending writes and closes the file. */
  async close(): Promise<void> {
    while (this.flushing) await this.flushing;
    await this.fh?.close();
    this.fh = null;
  }
}

function countLines(chunk: string): number {
  let n = 0;
  for (let i = chunk.indexOf('\n'); i !== -1; i = chunk.indexOf('\n', i + 1)) n++;
  return n;
}
