import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { SnapshotRefused } from './static-site.ts';

/** A path as the file system names it: symbolic links followed as far as the path exists. */
function real(path: string): string {
  const full = resolve(path);
  if (existsSync(full)) return realpathSync(full);
  const parent = dirname(full);
  return parent === full ? full : join(real(parent), relative(parent, full));
}

/** Whether `inner` is `outer` or lies inside it. */
function within(inner: string, outer: string): boolean {
  const r = relative(outer, inner);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}

/**
 * Checks the folder `npm run export` is to write. The copy replaces it whole (publishStaticSite swaps the new
 * copy in and deletes what was there), so it must be new, empty or an earlier copy (its `_headers` and
 * `index.html`), and must not hold any of `kept` (DATA_DIR, Herald's own folder). From a review: the export to
 * DATA_DIR deleted the site's data, and to `.` (npm runs scripts in the project folder) deleted the checkout.
 */
export function assertExportTarget(target: string, kept: Array<{ path: string; what: string }>): void {
  const dest = real(target);
  for (const k of kept) {
    if (within(real(k.path), dest)) {
      throw new SnapshotRefused(`${target} holds ${k.what} (${k.path}), which the copy would delete: choose a new or empty folder.`);
    }
  }
  if (!existsSync(dest)) return;
  if (!statSync(dest).isDirectory()) throw new SnapshotRefused(`${target} is a file, not a folder: choose a new or empty folder.`);
  const entries = readdirSync(dest);
  if (entries.length > 0 && !(entries.includes('_headers') && entries.includes('index.html'))) {
    throw new SnapshotRefused(
      `${target} is not empty and holds no earlier copy (no _headers and index.html), and the copy replaces the folder whole: choose a new or empty folder. Nothing was changed.`,
    );
  }
}
