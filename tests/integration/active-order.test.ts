import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { engineEnv } from '../helpers/engine.ts';
import { activeSection, text } from '../helpers/page.ts';

/**
 * The active incidents on `/` are listed most pressing first, in the order the banner chooses by: a customer
 * who opens the page during a payments outage reads it before a minor incident declared after it, and the
 * page's first card is the incident the app's banner shows. Before, they were newest first, so the minor one
 * led the page while the banner (and the red overall status) spoke of the outage.
 */
let h: HeraldProcess;
type Json = Record<string, any>;

beforeAll(async () => {
  h = await startHerald({ env: await engineEnv() });
  for (const [id, name] of [
    ['payments', 'Payments'],
    ['search', 'Search'],
  ]) {
    expect((await h.admin('/components', { body: { id, name } })).status).toBe(201);
  }
});
afterAll(() => stopAll(h));

/** The titles of the active incidents on `/`, in the page's order, and the incident the banner shows. */
async function shown(): Promise<{ cards: string[]; banner: string | null }> {
  const section = activeSection(await (await fetch(`${h.url}/`)).text()) ?? '';
  const cards = [...section.matchAll(/<(h\d) [^>]*class="incident-title"[^>]*>([\s\S]*?)<\/\1>/g)].map((m) => text(m[2]!));
  const banner = ((await (await fetch(`${h.url}/api/banner.json`)).json()) as Json).title as string | null;
  return { cards, banner };
}

describe('the active incidents on /', () => {
  it('lead with the most pressing, as the banner does: an outage before a minor incident declared after it', async () => {
    const declare = async (body: Json) => {
      const res = await h.admin('/incidents', { body: { body: 'We are investigating.', ...body } });
      expect(res.status).toBe(201);
      return ((await res.json()) as Json).id as string;
    };
    const outage = await declare({ name: 'Card payments failing', impact: 'critical', components: { payments: 'major_outage' } });
    await declare({ name: 'Search results slow', impact: 'minor', components: { search: 'degraded_performance' } });
    // Before: [ 'Search results slow', 'Card payments failing' ], newest first.
    expect(await shown()).toEqual({ cards: ['Card payments failing', 'Search results slow'], banner: 'Card payments failing' });

    // Its fix out and the component back: it weighs nothing on the page now, and the incident still being worked on leads.
    const monitoring = await h.admin(`/incidents/${outage}/updates`, {
      body: { status: 'monitoring', body: 'A fix is out; we are watching.', components: { payments: 'operational' } },
    });
    expect(monitoring.status).toBe(201);
    expect(await shown()).toEqual({ cards: ['Search results slow', 'Card payments failing'], banner: 'Search results slow' });
  });
});
