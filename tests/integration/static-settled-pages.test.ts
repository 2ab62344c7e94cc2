/**
 * The static copy after a publish takes the pages of settled incidents that did not change from the copy before
 * (src/snapshot/settled-pages.ts) instead of rendering them again. What must hold whatever changes: every page in
 * the copy is the page the server serves, and a page is taken over only when nothing it shows changed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateHistory } from '../fixtures/generate-incidents.ts';
import { startHerald, stopAll, tempDataDir, type HeraldProcess } from '../helpers/server.ts';
import { until } from '../helpers/poll.ts';

const SETTLED = 30;
let h: HeraldProcess | undefined;
afterAll(() => stopAll(h));

describe('the static copy after a publish', () => {
  it('keeps the pages of settled incidents nothing changed, renders the rest, and holds what the server serves', async () => {
    const dataDir = tempDataDir('herald-settled-');
    const db = generateHistory(SETTLED, new Date());
    writeFileSync(join(dataDir, 'herald.json'), JSON.stringify(db));
    h = await startHerald({ dataDir, env: { STATIC_DEBOUNCE_MS: '0' } });
    const herald = h;
    const folder = join(dataDir, 'static');
    const settled = db.incidents.map((i) => ({ id: i.id, names: i.components }));
    const fileOf = (id: string) => join(folder, 'incidents', id, 'index.html');
    /** null while the copy is being swapped in (for an instant, between two renames, there is no folder). */
    const read = (file: string): string | null => {
      try {
        return readFileSync(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    };
    /** Each settled page's file (its inode: a page taken from the copy before keeps its file). */
    const files = async () =>
      new Map(
        await until(() => {
          try {
            return settled.map(({ id }) => [id, statSync(fileOf(id)).ino] as const);
          } catch {
            return null;
          }
        }, 'every settled page in the copy'),
      );
    const renders = async () =>
      ((await (await fetch(`${herald.url}/healthz`)).json()) as { page_cache: { renders: number } }).page_cache.renders;
    /** Every settled page in the copy is the page the server serves now. */
    const servedAsCopied = async () => {
      for (const { id } of settled) {
        const served = await (await fetch(`${herald.url}/incidents/${id}`)).text();
        expect(read(fileOf(id)), `the copy's page of ${id}`).toBe(served);
      }
    };
    const kept = (before: Map<string, number>, after: Map<string, number>) =>
      settled.filter(({ id }) => before.get(id) === after.get(id)).map(({ id }) => id);

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
});
