import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { engineEnv } from '../helpers/engine.ts';

/** A duration of days keeps its minutes: "4 d 0 h 30 min", where it read "4 d 0 h". */
let h: HeraldProcess;

beforeAll(async () => {
  h = await startHerald({ env: { ...(await engineEnv()), HERALD_SEED: 'none' } });
  expect((await h.admin('/components', { body: { id: 'api', name: 'API' } })).status).toBe(201);
});
afterAll(() => stopAll(h));

describe('a long incident on its page', () => {
  it('says how long it lasted to the minute', async () => {
    const resolved = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000);
    const started = new Date(resolved.getTime() - (4 * 1440 + 30) * 60_000);
    const res = await h.admin('/incidents', {
      body: {
        name: 'Queue stalled',
        impact: 'minor',
        status: 'resolved',
        body: 'Recorded after the fact.',
        components: { api: 'operational' },
        started_at: started.toISOString(),
        resolved_at: resolved.toISOString(),
      },
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const html = await (await fetch(`${h.url}/incidents/${id}`)).text();
    // Before: "4 d 0 h", the half hour dropped.
    expect(/<dt>Duration<\/dt><dd>([^<]*)<\/dd>/.exec(html)?.[1]).toBe('4 d 0 h 30 min');
    expect(html).toContain('lasted 4 d 0 h 30 min');
  });
});
