/**
 * `npm run export -- DIR [--url URL]`: writes a static copy of the public
 * site (the same files Herald keeps in DATA_DIR/static) into DIR.
 * - Without --url: opens DATA_DIR (env, as `npm run serve` would) in this
 *   process on a loopback port, copies, and exits, sending and posting
 *   nothing. Refused while a Herald runs on that DATA_DIR (single writer):
 *   then pass its address with --url.
 * - With --url: copies from a running Herald.
 * DIR is replaced whole: it must be new, empty or an earlier copy, and hold neither DATA_DIR nor this
 * project (export-target.ts). A DATA_DIR or database holding no site is refused: nothing is made there.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { start } from '../src/server.ts';
import { DataDirLocked } from '../src/store/lock.ts';
import { allEvents } from '../src/domain/model.ts';
import { publishStaticSite, SnapshotRefused } from '../src/snapshot/static-site.ts';
import { assertExportTarget } from '../src/snapshot/export-target.ts';
import { NoSite } from '../src/store/open.ts';
import { projectRoot } from '../src/paths.ts';
import { startRefusalLine } from '../src/start-refusal-line.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { url: { type: 'string' } } });
const target = positionals[0];
if (!target) {
  console.error('usage: npm run export -- DIR [--url http://host:port]');
  process.exit(2);
}

/** Incident and maintenance ids a running Herald publishes (its v2 API lists them). */
async function idsFrom(url: string): Promise<string[]> {
  const ids = new Set<string>();
  for (const doc of ['incidents', 'scheduled-maintenances']) {
    const res = await fetch(`${url}/api/v2/${doc}.json`);
    if (res.status !== 200) throw new SnapshotRefused(`/api/v2/${doc}.json answered ${res.status}`);
    const body = (await res.json()) as Record<string, Array<{ id: string }>>;
    for (const item of body[doc === 'incidents' ? 'incidents' : 'scheduled_maintenances'] ?? []) ids.add(item.id);
  }
  return [...ids];
}

try {
  assertExportTarget(target, [
    { path: resolve(process.env.DATA_DIR || 'data'), what: 'DATA_DIR' },
    { path: projectRoot(), what: "Herald's own folder" },
  ]);
  let files: string[];
  if (values.url) {
    const url = values.url.replace(/\/+$/, '');
    files = await publishStaticSite(url, await idsFrom(url), target);
  } else {
    // Reading only: email and channel posts the service left queued stay queued for it (this shell may lack its SMTP_URL).
    // Links as the service writes them: without SITE_URL, its address on the PORT it serves (not this one's).
    const port = process.env.PORT?.trim() ?? '';
    const siteUrl = process.env.SITE_URL || (/^\d+$/.test(port) && Number(port) > 0 ? `http://localhost:${Number(port)}` : undefined);
    const running = await start(
      { ...process.env, ...(siteUrl ? { SITE_URL: siteUrl } : {}), PORT: '0', HOST: '127.0.0.1', STATIC_SNAPSHOT: 'false' },
      { workers: false, existing: true },
    ).catch((err: unknown) => {
      // What would stop the server's start stops this one, in the same one line (a newer document, a lost link key).
      const line = err instanceof DataDirLocked || err instanceof NoSite ? null : startRefusalLine(err);
      throw line === null ? err : new SnapshotRefused(line);
    });
    try {
      files = await publishStaticSite(
        running.url,
        allEvents(running.herald.store.data).map((i) => i.id),
        target,
      );
    } finally {
      await running.close();
    }
  }
  console.log(`Wrote ${files.length} files to ${target}`);
} catch (err) {
  if (err instanceof DataDirLocked) {
    console.error(
      `export: ${err.message}\nA Herald is running on this DATA_DIR: pass its address, e.g. npm run export -- ${target} --url http://localhost:4321`,
    );
  } else if (err instanceof SnapshotRefused || err instanceof NoSite) {
    console.error(`export: ${err.message}`);
  } else if ((err as NodeJS.ErrnoException)?.syscall && (err as NodeJS.ErrnoException).code) {
    // Writing the copy (a folder beside DIR not writable, a full disk): the system's message names the path.
    console.error(`export: cannot write ${target}: ${(err as Error).message}`);
  } else {
    throw err;
  }
  process.exit(1);
}
