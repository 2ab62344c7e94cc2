/**
 * The static copy after a publish takes the pages of settled incidents that did not change from the copy before
 * (src/snapshot/settled-pages.ts) instead of rendering them again, and so does the copy a start makes, from what
 * the record beside the folder says (src/snapshot/copy-record.ts). What must hold whatever changes: every page in
 * the copy is the page the server serves, and a page is taken over only when nothing it shows changed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { generateHistory } from '../fixtures/generate-incidents.ts';
import { startHerald, stopAll, tempDataDir, type HeraldProcess } from '../helpers/server.ts';
import { until } from '../helpers/poll.ts';
import { startStaticSnapshots } from '../../src/snapshot/static-snapshots.ts';
import type { Herald } from '../../src/herald.ts';

const SETTLED = 30;
let h: HeraldProcess | undefined;
afterEach(() => stopAll(h));

/** null while the copy is being swapped in (for an instant, between two renames, there is no folder). */
function read(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** A DATA_DIR with SETTLED resolved incidents, and what a test reads of its static copy. */
function siteWithHistory() {
  const dataDir = tempDataDir('herald-settled-');
  const db = generateHistory(SETTLED, new Date());
  writeFileSync(join(dataDir, 'herald.json'), JSON.stringify(db));
  const folder = join(dataDir, 'static');
  const settled = db.incidents.map((i) => ({ id: i.id, names: i.components }));
  const fileOf = (id: string) => join(folder, 'incidents', id, 'index.html');
  /** The copy's folder (a copy is swapped in whole: a new folder), or null in the instant of the swap. */
  const folderId = () => {
    try {
      return statSync(folder).ino;
    } catch {
      return null;
    }
  };
  return {
    dataDir,
    folder,
    settled,
    fileOf,
    folderId,
    /** Each settled page's file (its inode: a page taken from the copy before keeps its file). */
    files: async () =>
      new Map(
        await until(() => {
          try {
            return settled.map(({ id }) => [id, statSync(fileOf(id)).ino] as const);
          } catch {
            return null;
          }
        }, 'every settled page in the copy'),
      ),
    /** Every settled page in the copy is the page `herald` serves now. */
    servedAsCopied: async (herald: HeraldProcess) => {
      for (const { id } of settled) {
        const served = await (await fetch(`${herald.url}/incidents/${id}`)).text();
        expect(read(fileOf(id)), `the copy's page of ${id}`).toBe(served);
      }
    },
    kept: (before: Map<string, number>, after: Map<string, number>) =>
      settled.filter(({ id }) => before.get(id) === after.get(id)).map(({ id }) => id),
  };
}

describe('the static copy', () => {
  it('after a publish keeps the pages of settled incidents nothing changed, renders the rest, and holds what the server serves', async () => {
    const { dataDir, folder, settled, fileOf, files, servedAsCopied: served, kept } = siteWithHistory();
    h = await startHerald({ dataDir, env: { STATIC_SNAPSHOT: 'true', STATIC_DEBOUNCE_MS: '0' } });
    const herald = h;
    const servedAsCopied = () => served(herald);
    const renders = async () =>
      ((await (await fetch(`${herald.url}/healthz`)).json()) as { page_cache: { renders: number } }).page_cache.renders;

    await until(() => read(join(folder, 'index.html')), 'the first copy');
    let before = await files();

    // A new incident: no settled page shows it, so none is rendered for the copy.
    let rendersBefore = await renders();
    const declared = await herald.admin('/incidents', {
      body: {
        name: 'Checkout errors',
        impact: 'minor',
        status: 'investigating',
        body: 'Looking into it.',
        components: { payments: 'degraded_performance' },
      },
    });
    expect(declared.status).toBe(201);
    const { id: active } = (await declared.json()) as { id: string };
    await until(() => read(fileOf(active)), 'the new incident in the copy');
    let after = await files();
    expect(kept(before, after), 'settled pages taken from the copy before').toEqual(settled.map((s) => s.id));
    // `/`, History, Maintenance, the new incident's page and the feeds: not the 30 settled pages.
    expect((await renders()) - rendersBefore, 'pages rendered for the copy').toBeLessThan(SETTLED);
    await servedAsCopied();

    // A component renamed: the settled pages that name it show its new name; the others are kept.
    before = after;
    expect((await herald.admin('/components/api', { method: 'PATCH', body: { name: 'Public API' } })).status).toBe(200);
    const naming = settled.filter((s) => s.names.includes('api')).map((s) => s.id);
    expect(naming.length).toBeGreaterThan(0);
    await until(() => naming.every((id) => read(fileOf(id))?.includes('Public API')), 'the new name in the copy');
    after = await files();
    expect(kept(before, after)).toEqual(settled.filter((s) => !s.names.includes('api')).map((s) => s.id));
    await servedAsCopied();

    // A component's status changed: no settled page shows it.
    before = after;
    rendersBefore = await renders();
    expect((await herald.admin('/components/database', { method: 'PATCH', body: { status: 'partial_outage' } })).status).toBe(200);
    await until(() => read(join(folder, 'api/v2/components.json'))?.includes('partial_outage'), 'the status in the copy');
    after = await files();
    expect(kept(before, after)).toEqual(settled.map((s) => s.id));
    expect((await renders()) - rendersBefore).toBeLessThan(SETTLED);
    await servedAsCopied();

    // A postmortem published on one settled incident: its page alone is rendered again.
    before = after;
    const [first] = settled;
    const put = await herald.admin(`/incidents/${first!.id}/postmortem`, {
      method: 'PUT',
      body: { body: 'We moved the pool.', publish: true },
    });
    expect(put.status).toBe(200);
    await until(() => read(fileOf(first!.id))?.includes('id="postmortem"'), 'the postmortem in the copy');
    after = await files();
    expect(kept(before, after)).toEqual(settled.slice(1).map((s) => s.id));
    await servedAsCopied();
  }, 60_000);

  it('made at a start keeps them too, unless Herald now renders pages otherwise or the record is unreadable', async () => {
    const site = siteWithHistory();
    const { dataDir, folderId, files, kept, settled } = site;
    const ids = settled.map((s) => s.id);
    /** Starts Herald and waits for the copy its start makes (a folder other than `before`). */
    const startAndCopy = async (before: number | null, env: Record<string, string> = {}) => {
      h = await startHerald({ dataDir, env: { STATIC_SNAPSHOT: 'true', ...env } });
      // In place once the folder is another (a copy is swapped in whole); its record follows it, before a stop.
      await until(() => folderId() !== null && folderId() !== before, "the start's copy");
      return folderId();
    };

    let copy = await startAndCopy(null);
    const first = await files();
    await h!.stop();

    copy = await startAndCopy(copy);
    expect(kept(first, await files()), 'pages kept by a restart').toEqual(ids);
    await site.servedAsCopied(h!);
    await h!.stop();

    // A record that cannot be read says nothing: every page is rendered.
    writeFileSync(join(dataDir, 'static-pages.json'), '{"identity": ');
    let before = await files();
    copy = await startAndCopy(copy);
    expect(kept(before, await files()), 'pages kept with an unreadable record').toEqual([]);
    await h!.stop();

    // Another configuration may render every page otherwise (here its name, in each page's title).
    before = await files();
    copy = await startAndCopy(copy, { SITE_NAME: 'Acme Status' });
    expect(kept(before, await files()), 'pages kept under another configuration').toEqual([]);
    expect(read(site.fileOf(ids[0]!))).toContain('Acme Status');
    await site.servedAsCopied(h!);
  }, 60_000);

  it('made at a restart keeps the pages of data the process before made itself (the demo, seeded at its first start)', async () => {
    const dataDir = tempDataDir('herald-settled-demo-');
    const record = join(dataDir, 'static-pages.json');
    const folder = () => statSync(join(dataDir, 'static'), { throwIfNoEntry: false })?.ino;
    /** The files of the settled pages the record names, once a copy and its record are in place (null before). */
    const pageFiles = () => {
      try {
        const { pages } = JSON.parse(readFileSync(record, 'utf8')) as { pages: Record<string, unknown> };
        return Object.keys(pages).map((id) => statSync(join(dataDir, 'static', 'incidents', id, 'index.html')).ino);
      } catch {
        return null;
      }
    };
    h = await startHerald({ dataDir, env: { STATIC_SNAPSHOT: 'true', HERALD_SEED: 'demo' } });
    const first = await until(pageFiles, 'the first copy and its record');
    expect(first.length).toBeGreaterThan(0);
    await h.stop();
    const before = folder();
    h = await startHerald({ dataDir, env: { STATIC_SNAPSHOT: 'true', HERALD_SEED: 'demo' } });
    const after = await until(() => folder() !== before && pageFiles(), "the restart's copy and its record");
    expect(after, 'the settled pages kept').toEqual(first);
  });

  it('does not keep a page fetched while the data changed on the strength of the data before', async () => {
    // While the second copy fetches the incident's page, the incident is renamed and renamed back: the page
    // fetched shows the name between.
    const site = await storeAndOrigin(1);
    const incident = site.store.data.incidents[0]!;
    let between: string | null = null;
    site.onPage = () => {
      if (!between) return undefined;
      const [after, shown] = [site.store.data.incidents[0]!.name, between];
      site.rename(0, shown);
      between = null;
      site.rename(0, after);
      return shown;
    };
    const snapshots = site.copies();
    try {
      await until(() => site.page(incident.id) === `<title>${incident.name}</title>`, 'the first copy');
      between = 'Renamed for a moment';
      site.rename(0, 'Renamed');
      await until(() => between === null, 'the second copy to fetch the page');
      await snapshots.idle();
      expect(site.page(incident.id), 'the page once the copies are done').toBe('<title>Renamed</title>');
    } finally {
      await snapshots.stop();
      await site.close();
    }
  });

  it('fetches a page the copy before no longer holds (a file deleted by hand) rather than lose it', async () => {
    const site = await storeAndOrigin(3);
    const [gone, ...others] = site.store.data.incidents.map((i) => i.id);
    const snapshots = site.copies();
    try {
      await until(() => site.page(gone!), 'the first copy');
      await snapshots.idle();
      const inodes = () => others.map((id) => statSync(site.fileOf(id)).ino);
      const before = inodes();
      rmSync(site.fileOf(gone!));
      // A change that touches no settled page: each is taken from the copy before, and the one not there is fetched.
      site.touch();
      await snapshots.idle();
      expect(site.page(gone!), 'the page deleted, in the next copy').toBe(`<title>${site.store.data.incidents[0]!.name}</title>`);
      expect(inodes(), 'the other pages, taken from the copy before').toEqual(before);
    } finally {
      await snapshots.stop();
      await site.close();
    }
  });
});

/**
 * `count` resolved incidents as a store holds them, an origin that renders each incident's page as its title
 * from that store (and answers 200 to any other path), and the static copies of it: the copy's bookkeeping
 * without a whole Herald, so a test can act between the copy's requests (`onPage`, called as a page is fetched).
 */
async function storeAndOrigin(count: number) {
  const listeners = new Set<() => void>();
  const store = {
    version: 1,
    data: generateHistory(count, new Date()),
    onChange: (fn: () => void) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
  const touch = () => {
    store.version++;
    for (const fn of listeners) fn();
  };
  const site = {
    store,
    /** The name the page about to be fetched shows, if not the stored one. */
    onPage: (_id: string): string | undefined => undefined,
    touch,
    rename: (index: number, name: string) => {
      store.data = { ...store.data, incidents: store.data.incidents.map((i, n) => (n === index ? { ...i, name } : i)) };
      touch();
    },
    fileOf: (id: string) => join(dataDir, 'static', 'incidents', id, 'index.html'),
    page: (id: string) => read(site.fileOf(id)),
    copies: () =>
      startStaticSnapshots(
        { config: { dataDir }, store } as unknown as Herald,
        `http://127.0.0.1:${(origin.address() as AddressInfo).port}`,
        {
          debounceMs: 0,
          log: () => {},
        },
      ),
    close: () => stopAll(origin, dataDir),
  };
  const origin = createServer((req, res) => {
    const incident = store.data.incidents.find((i) => req.url === `/incidents/${i.id}`);
    if (!incident) return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<title>${site.onPage(incident.id) ?? incident.name}</title>`);
  });
  const dataDir = tempDataDir('herald-settled-store-');
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', () => resolve()));
  return site;
}
