import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { z } from 'zod';
import type { Config } from '../config.ts';

/** A settled page of the static copy: the digest of what it was made of (settled-pages.ts), the assets it references. */
export interface CopiedPage {
  digest: string;
  assets: readonly string[];
}

/** Settings that are secrets: never written anywhere, not even into a digest. None of them shows on a public page. */
const SECRETS = new Set(['ADMIN_TOKEN', 'ADMIN_PASSWORD', 'SMTP_URL', 'DKIM_PRIVATE_KEY', 'DATABASE_URL']);

/**
 * What the pages of a static copy were rendered by: Node (its time zones and date formats), the build of the
 * pages (`distDir`: Vite names each file by a hash of its content, so names and sizes tell one build from
 * another) and the configuration (secrets left out). A copy made under another identity tells nothing of what
 * this process would render, even from the same data.
 */
export function copyIdentity(config: Config, distDir: string): string {
  const files = readdirSync(distDir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const path = join(e.parentPath, e.name);
      return `${relative(distDir, path)} ${statSync(path).size}`;
    })
    .sort();
  const settings = Object.entries(config)
    .filter(([key]) => !SECRETS.has(key))
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return createHash('sha256')
    .update(JSON.stringify([process.version, files, settings]))
    .digest('base64url');
}

const recordSchema = z.object({
  identity: z.string(),
  /** The folder it describes, by device and inode: a folder put in its place (a restore, a copy) is another. */
  folder: z.string(),
  /** The asset lists, each once (the pages of one layout share one). */
  lists: z.array(z.array(z.string())),
  /** Each page: its digest and the index of its list. */
  pages: z.record(z.string(), z.tuple([z.string(), z.number().int().min(0)])),
});

/**
 * The record of the settled pages in the static copy, kept beside it (`DATA_DIR/static-pages.json`) so that the copy
 * a start makes can keep them too, as the copies after a publish do. A record only ever describes the folder
 * beside it: it is removed before a copy starts and written once the copy is in place (static-snapshots.ts), so a
 * crash between the two leaves none, and the next start copies every page.
 */
export class CopyRecord {
  /** Beside the folder: `DATA_DIR/static-pages.json` for `DATA_DIR/static`. */
  readonly file: string;
  private readonly folder: string;
  private readonly identity: string;

  constructor(folder: string, identity: string) {
    this.folder = folder;
    this.file = `${folder}-pages.json`;
    this.identity = identity;
  }

  /** The folder's device and inode: each copy is a new folder, swapped in whole. */
  private folderId(): string | null {
    try {
      const { dev, ino } = statSync(this.folder);
      return `${dev}:${ino}`;
    } catch {
      return null;
    }
  }

  /** The pages recorded, or none if the record is absent, unreadable, made under another identity or of another folder. */
  read(): Map<string, CopiedPage> {
    rmSync(`${this.file}.tmp`, { force: true }); // a write a crash cut short
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch {
      return new Map();
    }
    const parsed = recordSchema.safeParse(raw);
    if (!parsed.success || parsed.data.identity !== this.identity || parsed.data.folder !== this.folderId()) return new Map();
    const { lists, pages } = parsed.data;
    const read = new Map<string, CopiedPage>();
    for (const [id, [digest, list]] of Object.entries(pages)) if (lists[list]) read.set(id, { digest, assets: lists[list] });
    return read;
  }

  /** Forgets the pages recorded (a copy is about to replace the folder). */
  drop(): Promise<void> {
    return rm(this.file, { force: true });
  }

  /** Records the pages of the copy now in place. */
  async write(pages: ReadonlyMap<string, CopiedPage>): Promise<void> {
    const folder = this.folderId();
    if (!folder) return;
    const lists: (readonly string[])[] = [];
    const index = new Map<readonly string[], number>();
    const entries: Record<string, [string, number]> = {};
    for (const [id, { digest, assets }] of pages) {
      let i = index.get(assets);
      if (i === undefined) index.set(assets, (i = lists.push(assets) - 1));
      entries[id] = [digest, i];
    }
    await writeFile(`${this.file}.tmp`, JSON.stringify({ identity: this.identity, folder, lists, pages: entries }));
    await rename(`${this.file}.tmp`, this.file);
  }
}
