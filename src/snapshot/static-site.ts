import { link, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { V2_DOCUMENTS } from '../read/statuspage.ts';
import { EMBED_PATH } from '../http/security.ts';
import { hostHeaders } from './host-headers.ts';

/** The public resources to copy (pages, JSON APIs, feeds), by URL path, for these incidents and maintenances. */
export function publicPaths(incidentIds: string[]): string[] {
  return [
    '/',
    '/history',
    '/maintenance',
    ...incidentIds.map(incidentPath),
    ...V2_DOCUMENTS.map((name) => `/api/v2/${name}.json`),
    // The summary again, where Statuspage pages serve it too: clients that poll it must find it on the fallback.
    '/index.json',
    '/api/banner.json',
    '/history.atom',
    '/history.rss',
    '/maintenance.ics',
    EMBED_PATH,
    '/favicon.svg',
  ];
}

export const incidentPath = (id: string): string => `/incidents/${encodeURIComponent(id)}`;

/** Where a URL path lives in the static copy: pages become `path/index.html`. */
export function fileFor(path: string): string {
  const clean = decodeURIComponent(path).replace(/^\/+/, '');
  if (clean.includes('..') || clean.includes('\0')) throw new Error(`unsafe path ${path}`);
  if (clean === '') return 'index.html';
  return /\.[a-z0-9]+$/i.test(clean) ? clean : `${clean}/index.html`;
}

export class SnapshotRefused extends Error {}

/** Pages taken from the copy before at a time (each a folder made and a link). */
const LINKS_AT_ONCE = 32;

/** The copy before (static-snapshots.ts): its folder, and the pages to take from it rather than fetch. */
export interface PreviousCopy {
  dir: string;
  /** Paths of pages to take from `dir`, each with the assets the page references (as a CopyReport said). */
  unchanged: ReadonlyMap<string, readonly string[]>;
}

/** What a copy tells the next one (filled as it goes). */
export interface CopyReport {
  /** The assets each page of the copy references, by path. */
  assets: Map<string, readonly string[]>;
  /** The pages taken from the copy before (the others were fetched). */
  kept: Set<string>;
}

/**
 * Fetches every public resource from a running Herald (`origin`), exactly as
 * customers get them (the page cache renders them), plus the assets the pages
 * and stylesheets reference, and writes them under `outDir`. Any answer other
 * than 200 aborts: a partial or failed copy is never written as if whole, so
 * a static host never shows a page Herald could not build. The pages in
 * `previous.unchanged` are taken from the copy before instead (hard-linked: the
 * file and its modification time stay, so a sync to a bucket skips it), or
 * fetched after all if it lacks them. `report` says what the next copy needs
 * to know of this one.
 */
export async function buildStaticSite(
  origin: string,
  incidentIds: string[],
  outDir: string,
  previous?: PreviousCopy,
  report: CopyReport = { assets: new Map(), kept: new Set() },
): Promise<string[]> {
  const written: string[] = [];
  const paths = publicPaths(incidentIds);
  const seen = new Set(paths);
  // The pages the copy before holds unchanged are linked in; the rest, and the assets pages name, are fetched.
  const kept = paths.filter((path) => previous?.unchanged.has(path));
  const queue = paths.filter((path) => !previous?.unchanged.has(path));
  // Pages of one layout reference the same assets: one list shared by all of them, not one each.
  const lists = new Map<string, readonly string[]>();
  /** Pages and stylesheets pull in assets (hashed CSS, icons): those are taken along. */
  const take = (path: string, refs: readonly string[]) => {
    const key = refs.join('\n');
    const list = lists.get(key) ?? lists.set(key, refs).get(key)!;
    report.assets.set(path, list);
    for (const ref of list) {
      if (!seen.has(ref)) {
        seen.add(ref);
        queue.push(ref);
      }
    }
  };
  // Whether Herald sends HSTS (its SITE_URL is https): the copy comes from a loopback http address either way.
  let hsts = false;
  const fetchOne = async (path: string) => {
    const file = join(outDir, fileFor(path));
    await mkdir(dirname(file), { recursive: true });
    // no-cache: the page of this minute, not the one of the minute before the page cache may still hold (page-cache.ts),
    // so a copy made when an estimate has just passed says so.
    const res = await fetch(`${origin}${path}`, { headers: { 'cache-control': 'no-cache' } });
    if (res.status !== 200) throw new SnapshotRefused(`${path} answered ${res.status}; the static copy was not updated.`);
    if (path === '/') hsts = res.headers.has('strict-transport-security');
    const body = Buffer.from(await res.arrayBuffer());
    if (/text\/(html|css)/.test(res.headers.get('content-type') ?? '')) take(path, referencedAssets(body.toString('utf8')));
    await writeFile(file, body);
    written.push(fileFor(path));
  };
  // The pages of the copy before first: two file system calls each, made by libuv's threads (a new folder on a
  // busy disk can take a millisecond, which must not hold up the server's event loop), many at a time.
  const linkOne = async (path: string) => {
    const file = join(outDir, fileFor(path));
    try {
      await mkdir(dirname(file), { recursive: true });
      await link(join(previous!.dir, fileFor(path)), file);
    } catch {
      queue.push(path); // not in the copy before after all: fetched below
      return;
    }
    report.kept.add(path);
    take(path, previous!.unchanged.get(path)!);
    written.push(fileFor(path));
  };
  for (let i = 0; i < kept.length; i += LINKS_AT_ONCE) await Promise.all(kept.slice(i, i + LINKS_AT_ONCE).map(linkOne));
  // A few requests at a time: the server keeps answering customers meanwhile.
  while (queue.length) {
    // allSettled: no write may still be running when a failure cleans the folder up.
    const failed = (await Promise.allSettled(queue.splice(0, 4).map(fetchOne))).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
  await writeFile(join(outDir, '_headers'), hostHeaders(hsts, written));
  written.push('_headers');
  return written.sort();
}

/** Same-origin asset URLs in HTML attributes and CSS url(): /_astro/*, icons. */
function referencedAssets(text: string): string[] {
  const refs = new Set<string>();
  for (const m of text.matchAll(/(?:href|src)="(\/[^"/][^"]*)"|url\(\s*['"]?(\/[^'")]+)['"]?\s*\)/g)) {
    const ref = (m[1] ?? m[2])!.split(/[?#]/)[0]!;
    if (/\.(css|js|svg|png|ico|woff2?|webp|jpg)$/i.test(ref)) refs.add(ref);
  }
  return [...refs];
}

/**
 * Builds the copy in a temp folder next to `target`, then swaps it in with
 * two renames, so readers of `target` see the old copy or the new one, never
 * a half-written one (between the two renames, for an instant, none: the
 * swap happens while Herald serves, not while the copy stands in for it);
 * if the build fails, `target` is left as it was. The pages in `unchanged` are
 * taken from the copy in `target`; `report` says what the next copy needs to
 * know of this one (see buildStaticSite).
 */
export async function publishStaticSite(
  origin: string,
  incidentIds: string[],
  target: string,
  unchanged: PreviousCopy['unchanged'] = new Map(),
  report?: CopyReport,
): Promise<string[]> {
  const dest = resolve(target);
  const tag = randomBytes(4).toString('hex');
  const tmp = join(dirname(dest), `.${basename(dest)}.new-${tag}`);
  const old = join(dirname(dest), `.${basename(dest)}.old-${tag}`);
  await mkdir(tmp, { recursive: true });
  try {
    const files = await buildStaticSite(origin, incidentIds, tmp, { dir: dest, unchanged }, report);
    const hadOld = await rename(dest, old).then(
      () => true,
      (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
        return false;
      },
    );
    try {
      await rename(tmp, dest);
    } catch (err) {
      if (hadOld) await rename(old, dest); // put the last good copy back
      throw err;
    }
    await rm(old, { recursive: true, force: true });
    return files;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
    throw err;
  }
}

/**
 * Tidies what a crash during publishStaticSite can leave next to `target`:
 * unfinished copies are deleted; if the crash fell between the two renames,
 * the previous copy is put back. Call while holding the data folder's lock.
 */
export function recoverStaticFolder(target: string): void {
  const dest = resolve(target);
  const parent = dirname(dest);
  if (!existsSync(parent)) return;
  const prefix = `.${basename(dest)}.`;
  for (const name of readdirSync(parent).filter((n) => n.startsWith(prefix))) {
    const path = join(parent, name);
    if (name.startsWith(`${prefix}old-`) && !existsSync(dest)) renameSync(path, dest);
    else rmSync(path, { recursive: true, force: true });
  }
}

const basename = (p: string) => p.split('/').filter(Boolean).at(-1) ?? p;
