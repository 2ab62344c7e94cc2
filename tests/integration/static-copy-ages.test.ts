import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { until } from '../helpers/poll.ts';
import { facts, main, text } from '../helpers/page.ts';

const started: HeraldProcess[] = [];
afterAll(() => stopAll(...started));

async function herald(env: Record<string, string> = {}): Promise<HeraldProcess> {
  const h = await startHerald({ env });
  started.push(h);
  expect((await h.admin('/components', { body: { id: 'api', name: 'Public API' } })).status).toBe(201);
  return h;
}

async function declare(h: HeraldProcess, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await h.admin('/incidents', {
    body: { name: 'Slow API', impact: 'major', body: 'Looking into it.', components: { api: 'major_outage' }, ...extra },
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

describe('the static copy follows the clock, not only the data', () => {
  it("an estimate that passes reads '(passed)' in the copy, with no write", { timeout: 120_000 }, async () => {
    const h = await herald({ STATIC_SNAPSHOT: 'true', STATIC_DEBOUNCE_MS: '100' });
    // The pages' clock moves by whole minutes: the estimate is the next minute at least 10 s away, so the copy
    // written after the declaration (a second or so on a busy machine) still reads it as to come, and the page
    // minute that passes it comes within 70 s.
    const eta = Math.ceil((Date.now() + 10_000) / 60_000) * 60_000;
    const id = await declare(h, { eta: new Date(eta).toISOString() });
    const file = join(h.dataDir, 'static', 'incidents', id, 'index.html');
    const estimate = () => (existsSync(file) ? (facts(main(readFileSync(file, 'utf8')))['Estimated resolution'] ?? '') : '');
    await until(() => estimate() !== '' && Date.now() < eta, 'the copy of the incident page, before the estimate');
    expect(estimate()).not.toContain('(passed)');
    const written = (await (await h.admin(`/incidents/${id}`)).json()) as { updated_at: string };
    await until(
      () => estimate().includes('(passed)'),
      () => `'(passed)' in the copy (it says: ${estimate()})`,
      90_000,
    );
    // Nothing was written in between: the copy moved with the clock alone.
    expect(((await (await h.admin(`/incidents/${id}`)).json()) as { updated_at: string }).updated_at).toBe(written.updated_at);
  });
});

describe('durations say when they were measured, as "Ongoing for … (at HH:MM)" does', () => {
  it('"ongoing for" in the history and "In progress for" on a running window carry "(at HH:MM)"', async () => {
    const h = await herald();
    await declare(h);
    const from = Date.now() + 86_400_000;
    const res = await h.admin('/maintenances', {
      body: {
        name: 'Database upgrade',
        scheduled_for: new Date(from).toISOString(),
        scheduled_until: new Date(from + 3_600_000).toISOString(),
        components: ['api'],
      },
    });
    expect(res.status).toBe(201);
    const windowId = ((await res.json()) as { id: string }).id;
    expect((await h.admin(`/maintenances/${windowId}/start`, { method: 'POST' })).status).toBe(201);

    const history = text(main(await (await fetch(`${h.url}/history`)).text()));
    expect(history).toMatch(/ongoing for under 1 min \(at \d\d:\d\d UTC ?\)/);
    expect(history.match(/ongoing for [^(]*\(at /g)).toHaveLength(2);

    const windowPage = facts(main(await (await fetch(`${h.url}/incidents/${encodeURIComponent(windowId)}`)).text()));
    expect(windowPage['In progress for']).toMatch(/^under 1 min \(at \d\d:\d\d UTC ?\)$/);
  });
});
