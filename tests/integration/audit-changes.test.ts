import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, tempDataDir, type HeraldProcess } from '../helpers/server.ts';
import { formBody, signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { all, byId, dom, textOf, type Doc } from '../helpers/dom.ts';

/**
 * The audit log through the real server, on either engine: each change recorded before and after (only what
 * changed, groups by name) in GET /api/admin/audit and in words on /admin/audit, and who signed in and out,
 * with which secret. From a defect hunt: the new values appeared nowhere, and sessions not at all.
 */
type Json = Record<string, any>;
const PASSWORD = 'a long console passphrase 4711';
let h: HeraldProcess;
let s: ConsoleSession;

beforeAll(async () => {
  h = await startHerald({ dataDir: tempDataDir(), env: { ADMIN_PASSWORD: PASSWORD } });
  s = await signIn(h, 'Dana');
}, 60_000);
afterAll(() => stopAll(h));

const events = async () => ((await (await h.admin('/audit?limit=500')).json()) as { events: Json[] }).events;
const latest = async (action: string) => (await events()).find((e) => e.action === action)!;
const auditPage = async () => dom(await (await fetch(`${h.url}/admin/audit`, { headers: { cookie: s.cookie } })).text());
const rows = (doc: Doc) =>
  all(doc, (e) => e.name === 'tr' && e.parent?.type === 'tag' && (e.parent as { name?: string }).name === 'tbody').map(textOf);
const rowOf = async (code: string) => (await rows(await auditPage())).find((r) => r.includes(code))!;

describe('a change recorded before and after', () => {
  it('a component created records its name and group by name; an edit only what changed, "Name: Dashboard → Web dashboard"', async () => {
    expect((await h.admin('/components', { body: { name: 'Dashboard', description: 'old desc', group: 'Core' } })).status).toBe(201);
    expect((await h.admin('/components', { body: { name: 'Search', group: 'Core' } })).status).toBe(201);
    expect(await latest('component.create')).toMatchObject({
      target: 'search',
      detail: { name: 'Search', group: 'Core', status: 'operational' },
    });

    const res = await h.admin('/components/dashboard', {
      method: 'PATCH',
      body: { name: 'Web dashboard', description: 'new desc', group: 'Edge' },
    });
    expect(res.status).toBe(200);
    const edit = await latest('component.edit');
    expect(edit.detail).toEqual({
      changes: {
        name: { from: 'Dashboard', to: 'Web dashboard' },
        description: { from: 'old desc', to: 'new desc' },
        group: { from: 'Core', to: 'Edge' },
      },
    });
    const row = await rowOf('component.edit');
    expect(row).toContain('Name: Dashboard → Web dashboard');
    expect(row).toContain('Description: old desc → new desc');
    expect(row).toContain('Group: Core → Edge');
    // No group by its id anywhere in the page's words.
    const ids = ((await (await h.admin('/components')).json()).groups as Json[]).map((g) => g.id as string);
    const main = textOf(byId(await auditPage(), 'main')!);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(main).not.toContain(id);
  });

  it('a settings save records the changed keys and a level’s changed fields, and the page says them in the form’s words', async () => {
    const now = (await (await h.admin('/settings')).json()) as Json;
    const next = structuredClone(now);
    next.signoff = 'The Acme Team';
    next.support_contact = 'help@acme.example';
    next.severities[0].update_every_minutes = 20;
    const res = await h.admin('/settings', { method: 'PUT', body: next });
    expect(res.status).toBe(200);
    const e = await latest('settings.update');
    expect(e.detail).toEqual({
      changes: {
        signoff: { from: now.signoff, to: 'The Acme Team' },
        support_contact: { from: now.support_contact, to: 'help@acme.example' },
      },
      levels: { [now.severities[0].id]: { update_every_minutes: { from: now.severities[0].update_every_minutes, to: 20 } } },
    });
    const row = await rowOf('settings.update');
    expect(row).toContain('→ The Acme Team');
    expect(row).toContain('Support contact:');
    expect(row).toContain(`Level ${now.severities[0].id}, Update every (min): ${now.severities[0].update_every_minutes} → 20`);
  });
});

describe('a postmortem withdrawn', () => {
  it('reads as withdrawn (unpublished) on the audit page, not as a save', async () => {
    const inc = (await (
      await h.admin('/incidents', { body: { name: 'Checkout errors', impact: 'major', body: 'Investigating.', notify: false } })
    ).json()) as Json;
    expect((await h.admin(`/incidents/${inc.id}/updates`, { body: { status: 'resolved', body: 'Fixed.' } })).status).toBe(201);
    const url = `/incidents/${inc.id}/postmortem`;
    expect((await h.admin(url, { method: 'PUT', body: { body: '## Summary\n\nA bad deploy.', publish: true } })).status).toBe(200);
    expect((await h.admin(url, { method: 'PUT', body: { publish: false } })).status).toBe(200);
    const [withdrawn, published] = rows(await auditPage()).filter((r) => r.includes('incident.postmortem'));
    expect(withdrawn).toContain('Withdrew postmortem (unpublished, back to a draft)');
    expect(published).toContain('Published postmortem');
  });
});

describe('sessions', () => {
  it('a sign-in with the form is recorded with the name and the secret used; a sign-out with the name', async () => {
    const signedIn = await fetch(`${h.url}/admin/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: h.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: formBody({ name: 'Dana Q', secret: PASSWORD }),
    });
    expect(signedIn.status).toBe(303);
    const cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
    const dashboard = await (await fetch(`${h.url}/admin`, { headers: { cookie } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(dashboard)![1]!;
    const out = await fetch(`${h.url}/admin/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: h.url, cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: formBody({ csrf }),
    });
    expect(out.status).toBe(303);

    const log = (await events()).filter((e) => e.action.startsWith('session.'));
    expect(log.map((e) => [e.actor, e.action, e.detail])).toEqual([
      ['console:Dana Q', 'session.sign_out', undefined],
      ['console:Dana Q', 'session.sign_in', { via: 'password' }],
      ['console:Dana', 'session.sign_in', { via: 'token' }],
    ]);
    const words = rows(await auditPage()).filter((r) => r.includes('session.'));
    expect(words[0]).toMatch(/Signed-in Comms Lead Dana Q.*Signed out of the console/);
    expect(words[1]).toMatch(/Signed-in Comms Lead Dana Q.*Signed in to the console.*With: the console password \(ADMIN_PASSWORD\)/);
    expect(words[2]).toMatch(/Signed in to the console.*With: the admin token/);
    expect(JSON.stringify(log)).not.toContain(PASSWORD);
  });

  it('failed sign-ins, and those the limit refuses, add nothing to the log (anyone could fill it)', async () => {
    const before = (await events()).length;
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await fetch(`${h.url}/admin/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { origin: h.url, 'content-type': 'application/x-www-form-urlencoded' },
        body: formBody({ name: 'Mallory', secret: `wrong-${i}` }),
      });
      statuses.push(res.status);
    }
    expect(statuses).toContain(401);
    expect(statuses.at(-1)).toBe(429);
    expect((await events()).length).toBe(before);
  });
});
