import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';

/**
 * A postmortem's draft is the team's, not the customers': saving one (from a hunt) moved every public
 * "updated" time (the page's "Updated …", status.json's page.updated_at, the incident's updated_at in
 * incidents.json, history.atom's <updated>, banner.json's updated_at), as if the incident had changed.
 * Its publication and its withdrawal change what customers read, and move them.
 */
let h: HeraldProcess;
let dana: ConsoleSession;

beforeAll(async () => {
  h = await startHerald();
  expect((await h.admin('/components', { body: { id: 'api', name: 'API' } })).status).toBe(201);
  dana = await signIn(h, 'Dana');
}, 60_000);
afterAll(() => stopAll(h));

type Json = Record<string, any>;
const json = async (path: string) => (await (await fetch(`${h.url}${path}`)).json()) as Json;
const text = async (path: string) => (await fetch(`${h.url}${path}`)).text();
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every public "updated" time of the page and of incident `id`. */
async function publicTimes(id: string) {
  const home = /Updated <time datetime="([^"]+)"/.exec(await text('/'))?.[1];
  const atom = /^[\s\S]*?<updated>([^<]+)<\/updated>/.exec(await text('/history.atom'))?.[1];
  const incident = ((await json('/api/v2/incidents.json')).incidents as Json[]).find((i) => i.id === id);
  const times = {
    home,
    status: (await json('/api/v2/status.json')).page.updated_at as string,
    incident: incident?.updated_at as string,
    atom,
    banner: (await json('/api/banner.json')).updated_at as string,
  };
  for (const [k, v] of Object.entries(times)) expect(v, k).toEqual(expect.any(String));
  return times;
}
/** Each time later in `after` than in `before`. */
const allLater = (before: Record<string, string | undefined>, after: Record<string, string | undefined>) =>
  Object.fromEntries(Object.keys(before).map((k) => [k, Date.parse(after[k]!) > Date.parse(before[k]!)]));

describe("a postmortem's draft and the public times", () => {
  it('a draft saved (API or console) moves none of them; publishing moves them all, and so does withdrawing it', async () => {
    const made = await h.admin('/incidents', {
      body: { name: 'Search slow', impact: 'minor', body: 'Looking.', components: { api: 'degraded_performance' } },
    });
    expect(made.status).toBe(201);
    const { id } = (await made.json()) as Json;
    expect((await h.admin(`/incidents/${id}/updates`, { body: { status: 'resolved', body: 'Fixed.' } })).status).toBe(201);
    const url = `/incidents/${id}/postmortem`;
    // The Atom feed's times are to the second.
    await pause(1100);
    const before = await publicTimes(id);

    // Before: each of them moved to the save's time.
    expect((await h.admin(url, { method: 'PUT', body: { body: '## Summary\n\n[fill in: what happened]' } })).status).toBe(200);
    expect(await publicTimes(id)).toEqual(before);
    const form = await dana.post(`/admin/incidents/${id}/postmortem`, {
      action: 'save',
      body: '## Summary\n\nA slow index, being written up.',
    });
    expect(form.status).toBe(303);
    expect(await publicTimes(id)).toEqual(before);
    const saved = ((await (await h.admin(url)).json()) as Json).postmortem;
    expect(saved).toMatchObject({ body: '## Summary\n\nA slow index, being written up.', published_at: null });

    await pause(1100);
    expect((await h.admin(url, { method: 'PUT', body: { body: '## Summary\n\nA slow index.', publish: true } })).status).toBe(200);
    const published = await publicTimes(id);
    expect(allLater(before, published)).toEqual({ home: true, status: true, incident: true, atom: true, banner: true });

    // Withdrawn, the page no longer shows it and the incident reads resolved again: a change customers see.
    await pause(1100);
    expect((await h.admin(url, { method: 'PUT', body: { publish: false } })).status).toBe(200);
    const withdrawn = await publicTimes(id);
    expect(allLater(published, withdrawn)).toEqual({ home: true, status: true, incident: true, atom: true, banner: true });
    // A draft saved after it leaves them again.
    await pause(10);
    expect((await h.admin(url, { method: 'PUT', body: { body: '## Summary\n\nA slow index, again.' } })).status).toBe(200);
    expect(await publicTimes(id)).toEqual(withdrawn);
  });

  it("an incident's withdrawal confirmed before a draft of its postmortem was saved is still refused, saying so", async () => {
    const made = await h.admin('/incidents', {
      body: { name: 'Logins slow', impact: 'minor', body: 'Looking.', components: { api: 'degraded_performance' } },
    });
    const { id } = (await made.json()) as Json;
    const page = await (await fetch(`${h.url}/admin/incidents/${id}/withdraw`, { headers: { cookie: dana.cookie } })).text();
    const seen = /name="seen" value="([^"]+)"/.exec(page)?.[1];
    expect(seen).toEqual(expect.any(String));
    await pause(10);
    expect((await h.admin(`/incidents/${id}/postmortem`, { method: 'PUT', body: { body: '## Summary\n\nDraft.' } })).status).toBe(200);
    const res = await dana.post(`/admin/incidents/${id}/withdraw`, { id, confirm: '1', seen: seen! });
    expect(res.status).toBe(409);
    // A draft's save no longer moves the incident's updated_at, which the confirmation carried: its own time does.
    expect(await res.text()).toContain('Nothing was withdrawn: since this page was shown, the API saved its postmortem.');
    expect((await h.admin(`/incidents/${id}`)).status).toBe(200);
  });
});
