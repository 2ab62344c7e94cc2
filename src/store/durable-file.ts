import { open, rename, readFile, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import type { Adapter } from 'lowdb';
import type { z } from 'zod';

/**
 * Writes `data` to `file` so that a crash at any moment leaves either the old
 * or the new content, never a mix: temp file, fsync, rename, fsync the folder.
 */
export async function writeFileDurably(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, file);
  } catch (err) {
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

export class CorruptDataFile extends Error {
  constructor(file: string, reason: string) {
    super(
      `Refusing to start: ${file} is not a valid Herald data file (${reason}). ` +
        'It has not been changed. Restore it from a backup or move it aside to start empty.',
    );
    this.name = 'CorruptDataFile';
  }
}

/**
 * A lowdb adapter over one JSON file, validated with zod on read. A missing
 * file reads as null (lowdb then uses its defaults); a corrupt one throws.
 */
export class DurableJsonFile<T> implements Adapter<T> {
  readonly file: string;
  readonly schema: z.ZodType<T>;
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
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new CorruptDataFile(this.file, `not JSON: ${(err as Error).message}`);
    }
    const parsed = this.schema.safeParse(json);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new CorruptDataFile(this.file, `${first?.path.join('.') || 'root'}: ${first?.message}`);
    }
    return parsed.data;
  }

  async write(data: T): Promise<void> {
    await writeFileDurably(this.file, JSON.stringify(data));
  }
}
