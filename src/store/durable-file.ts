import { open, rename, readFile, unlink } from 'node:fs/promises';
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import type { Adapter } from 'lowdb';
import type { z } from 'zod';
import { migrate, NEWER_REMEDY, NewerData } from './migrate.ts';
import { keepPrivate } from './private-file.ts';
import { systemMessage, withPath } from './system-message.ts';

/**
 * Writes `data` to `file` so that a crash at any moment leaves either the old
 * or the new content, never a mix: temp file, fsync, rename, fsync the folder.
 */
export async function writeFileDurably(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  const fh = await open(tmp, 'w', 0o600);
  try {
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    // A half-written temp file (disk full) would only hold on to the space that ran out.
    await unlink(tmp).catch(() => {});
    throw err;
  }
  // The rename is only durable once the directory entry itself is on disk.
  const dir = await open(dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/**
 * writeFileDurably without leaving the event loop: the same temp file, fsync,
 * rename, fsync of the folder, as blocking calls. For the main data file,
 * which changes only on a publish: under load each of the eight async file
 * operations above waits a full event-loop turn behind the queued requests
 * (measured 140–400 ms per write at 50 connections, bench/run.ts), while the
 * blocking version holds the loop for about one fsync (2–25 ms here) and
 * the new data is served at once.
 */
export function writeFileDurablySync(file: string, data: string | Uint8Array): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w', 0o600);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    for (let off = 0; off < bytes.byteLength; ) off += writeSync(fd, bytes, off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    // A write or fsync of an open file fails without naming it (ENOSPC on a full disk): name the file it was for.
    throw withPath(err, file);
  }
  closeSync(fd);
  try {
    renameSync(tmp, file);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw err;
  }
  const dir = openSync(dirname(file), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/**
 * An upgrade of an older data file that could not be written at start (a disk without room for the copy kept
 * beside it and the upgraded file): the file is as it was. Its `code` is the system's.
 */
export class UpgradeUnwritable extends Error {
  readonly code: string;
  /**
   * `backup`: the copy of the file as it was (`bytes` long), `written` when it is on disk already; `upgradedBytes`: the
   * upgraded file's length (written beside the old one, then renamed over it).
   */
  constructor(
    file: string,
    versions: { from: number; to: number },
    backup: { name: string; bytes: number; written: boolean },
    upgradedBytes: number,
    err: NodeJS.ErrnoException,
  ) {
    const code = err.code ?? 'EIO';
    const kib = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));
    const kb = (n: number) => `${n.toLocaleString('en-US')} KB`;
    const room = code === 'ENOSPC' || code === 'EDQUOT';
    super(
      `Refusing to start: upgrading ${file} from schema version ${versions.from} to ${versions.to} failed (${systemMessage(err)}); it has not been changed. ` +
        `The upgrade first keeps the file as it was beside it (${basename(backup.name)}, ${kb(kib(backup.bytes))}), then writes the upgraded one (${kb(kib(upgradedBytes))}): ` +
        (room
          ? `free at least ${kb((backup.written ? 0 : kib(backup.bytes)) + kib(upgradedBytes))} in DATA_DIR (${dirname(file)}) and start again.`
          : `check DATA_DIR (${dirname(file)}) and its permissions.`),
    );
    this.name = 'UpgradeUnwritable';
    this.code = code;
  }
}

/**
 * Deletes temp files a crashed writer of `file` left behind (a kill between
 * creating the temp file and the rename). Call only while holding the data
 * folder's lock: then no other process is writing one right now.
 */
export function removeStaleTempFiles(file: string): string[] {
  const prefix = `.${basename(file)}.`;
  const stale = readdirSync(dirname(file)).filter((f) => f.startsWith(prefix) && f.endsWith('.tmp'));
  for (const f of stale) {
    try {
      unlinkSync(join(dirname(file), f));
    } catch {
      /* gone or not ours to delete: harmless */
    }
  }
  return stale;
}

export class CorruptDataFile extends Error {
  readonly file: string;
  readonly reason: string;
  constructor(file: string, reason: string, remedy = 'Restore it from a backup or move it aside to start empty.') {
    super(`Refusing to start: ${file} is not a valid Herald data file (${reason}). It has not been changed. ${remedy}`);
    this.name = 'CorruptDataFile';
    this.file = file;
    this.reason = reason;
  }
}

/**
 * A lowdb adapter over one JSON file, upgraded to the current schema
 * (src/store/migrate.ts) and validated with zod on read. A missing file reads
 * as null (lowdb then uses its defaults); a corrupt one throws.
 */
export class DurableJsonFile<T> implements Adapter<T> {
  readonly file: string;
  readonly schema: z.ZodType<T>;
  /** Whether the last read had to upgrade the file's schema (it is written back by the next write). */
  migrated = false;
  /** The file as read before its upgrade, kept aside by the write that replaces it. */
  private upgradedFrom: { text: string; from: number; to: number } | null = null;
  constructor(file: string, schema: z.ZodType<T>) {
    this.file = file;
    this.schema = schema;
  }

  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    keepPrivate(this.file);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new CorruptDataFile(this.file, `not JSON: ${(err as Error).message}`);
    }
    let upgraded: ReturnType<typeof migrate>;
    try {
      upgraded = migrate(json);
    } catch (err) {
      if (err instanceof NewerData) throw new CorruptDataFile(this.file, err.message, NEWER_REMEDY);
      throw err;
    }
    this.migrated = upgraded.migrated;
    this.upgradedFrom = upgraded.migrated
      ? {
          text,
          from: (json as { schema_version: number }).schema_version,
          to: (upgraded.data as { schema_version: number }).schema_version,
        }
      : null;
    const parsed = this.schema.safeParse(upgraded.data);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new CorruptDataFile(this.file, `${first?.path.join('.') || 'root'}: ${first?.message}`);
    }
    return parsed.data;
  }

  async write(data: T): Promise<void> {
    const upgrade = this.upgradedFrom;
    if (!upgrade) {
      writeFileDurablySync(this.file, JSON.stringify(data));
      return;
    }
    // An older Herald refuses the upgraded file: the one it wrote is what a rollback needs, so it is on disk first.
    const text = JSON.stringify(data);
    let kept: string | null = null;
    try {
      kept = keepBeforeUpgrade(this.file, upgrade.text, upgrade.from);
      writeFileDurablySync(this.file, text);
    } catch (err) {
      if (!(err as NodeJS.ErrnoException)?.code) throw err;
      const backup = { name: kept ?? `${this.file}.v${upgrade.from}.bak`, bytes: Buffer.byteLength(upgrade.text), written: kept !== null };
      throw new UpgradeUnwritable(this.file, upgrade, backup, Buffer.byteLength(text), err as NodeJS.ErrnoException);
    }
    this.upgradedFrom = null;
    console.log(`herald: upgraded ${this.file} from schema version ${upgrade.from} to ${upgrade.to}; the previous file is kept as ${kept}`);
  }
}

/** Whether `name`, in the data file's folder, is one of keepBeforeUpgrade's backups of the file named `file`. */
export function isUpgradeBackup(file: string, name: string): boolean {
  return name.startsWith(`${file}.v`) && name.endsWith('.bak') && /^\d+(?:\.\d+)?$/.test(name.slice(file.length + 2, -'.bak'.length));
}

/**
 * Writes `text`, the data file as a Herald of schema version `from` left it, beside it as `<file>.v<from>.bak`
 * (0600, durably). A start that upgraded but failed to write finds its backup already there, identical, and
 * reuses it; a different one (the same version upgraded again after a rollback) is kept, the new one taking
 * the next free `.v<from>.<n>.bak`.
 */
function keepBeforeUpgrade(file: string, text: string, from: number): string {
  for (let n = 0; ; n++) {
    const backup = `${file}.v${from}${n === 0 ? '' : `.${n}`}.bak`;
    if (existsSync(backup)) {
      if (readFileSync(backup, 'utf8') === text) return backup;
      continue;
    }
    writeFileDurablySync(backup, text);
    return backup;
  }
}
