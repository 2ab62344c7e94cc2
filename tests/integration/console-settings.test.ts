import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { all, byName, describedBy, dom, textOf } from '../helpers/dom.ts';
import { SEVERITY_SCHEMES } from '../../src/domain/severity-schemes.ts';

/**
 * Two Comms Leads editing the settings at once (found by a hostile review):
 * the settings are one document replaced whole, so the second save put back
 * the first one's field as the second had read it. The form carries the
 * version it was read at; a save against an older one is refused with who
 * saved meanwhile, and the form shows what is saved.
 */
type Json = Record<string, any>;
let h: HeraldProcess;
let dana: ConsoleSession;
let sam: ConsoleSession;

beforeAll(async () => {
  h = await startHerald();
  [dana, sam] = [await signIn(h, 'Dana'), await signIn(h, 'Sam')];
});
afterAll(() => stopAll(h));

const page = async (s: ConsoleSession) => (await fetch(`${h.url}/admin/settings`, { headers: { cookie: s.cookie } })).text();
const versionIn = (html: string) => /name="version" value="([^"]+)"/.exec(html)?.[1];
const settings = async () => (await (await h.admin('/settings')).json()) as Json;

/** The settings form's fields for `v`, as the page names them. */
function formOf(v: Json, version: string): Record<string, string> {
  const f: Record<string, string> = { version, audience: v.audience, signoff: v.signoff ?? '', support_contact: v.support_contact ?? '' };
  (v.severities as Json[]).forEach((level, i) => {
    for (const [k, x] of Object.entries(level)) {
      if (typeof x === 'boolean') {
        if (x) f[`level.${i}.${k}`] = 'on';
      } else f[`level.${i}.${k}`] = x === null ? '' : String(x);
    }
  });
  return f;
}

describe('console: two editors, one settings document', () => {
  it('a save made against settings someone changed since is refused, naming who, and puts nothing back', async () => {
    const base = await settings();
    const [danaRead, samRead] = [versionIn(await page(dana)), versionIn(await page(sam))];
    expect(danaRead).toBeTruthy();
    expect(samRead).toBe(danaRead);

    expect((await dana.post('/admin/settings', formOf({ ...base, signoff: 'The Acme status team' }, danaRead!))).status).toBe(303);
    // Sam changed two fields, one of them in a level; the sign-off Sam's form sends is the one Sam read.
    const samLevels = structuredClone(base.severities) as Json[];
    samLevels[1]!.update_every_minutes = 7;
    const late = await sam.post(
      '/admin/settings',
      formOf({ ...base, support_contact: 'help@acme.example', severities: samLevels }, samRead!),
    );
    expect(late.status).toBe(412);
    const html = await late.text();
    expect(html).toContain('Nothing was saved. Dana saved the settings at');
    expect(html).toContain('make your change again');
    // What Sam typed is not lost: listed, Sam's changes only (not Dana's sign-off, which Sam's form did not change).
    const doc = dom(html);
    const listed = all(doc, (e) => e.name === 'ul' && e.attribs['aria-labelledby'] === 'unsaved-title')[0];
    expect(listed && all(listed, (e) => e.name === 'li').map(textOf)).toEqual([
      'Support contact: help@acme.example',
      `Level ${samLevels[1]!.id}, “Update every (min)”: 7`,
    ]);
    // The form now shows Dana's save, with its version.
    expect(html).toMatch(/<textarea id="signoff"[^>]*>The Acme status team<\/textarea>/);
    const current = versionIn(html);
    expect(current).not.toBe(samRead);
    expect(await settings()).toMatchObject({ signoff: 'The Acme status team', support_contact: null });

    // Made again on what is saved, Sam's change goes in beside Dana's.
    expect(
      (await sam.post('/admin/settings', formOf({ ...(await settings()), support_contact: 'help@acme.example' }, current!))).status,
    ).toBe(303);
    expect(await settings()).toMatchObject({ signoff: 'The Acme status team', support_contact: 'help@acme.example' });
  });

  it('a form refused for a bad field keeps the version it was read at, so a save after the fix is still checked against it', async () => {
    const read = versionIn(await page(dana))!;
    const bad = await dana.post('/admin/settings', formOf({ ...(await settings()), audience: '' }, read));
    expect(bad.status).toBe(422);
    expect(versionIn(await bad.text())).toBe(read);
  });
});

describe('a retried settings save is not refused as its own conflict', () => {
  const settingsSaves = async () =>
    ((await (await h.admin('/audit?limit=500')).json()).events as Json[]).filter((e) => e.action === 'settings.update').length;
  const read = async () => {
    const res = await h.admin('/settings');
    return { tag: res.headers.get('etag')!, body: (await res.json()) as Json };
  };
  const putIf = async (body: unknown, ifMatch: string) => {
    const res = await h.admin('/settings', { method: 'PUT', body, headers: { 'if-match': ifMatch } });
    return { status: res.status, etag: res.headers.get('etag'), body: (await res.json()) as Json };
  };

  it('the same PUT with If-Match sent twice: 200 both times, the same settings and ETag, saved and audited once', async () => {
    const { tag, body } = await read();
    const saves = await settingsSaves();
    const doc = { ...body, signoff: 'Sent twice' };
    const first = await putIf(doc, tag);
    const retry = await putIf(doc, tag);
    expect([first.status, retry.status]).toEqual([200, 200]);
    expect(retry.body).toEqual(first.body);
    expect(retry.etag).toBe(first.etag);
    expect((await read()).tag).toBe(first.etag);
    expect(await settingsSaves()).toBe(saves + 1);
  });

  it('three identical PUTs at once all answer 200; a different change at once against the same version still gets 412', async () => {
    const { tag, body } = await read();
    const saves = await settingsSaves();
    const doc = { ...body, support_contact: 'thrice@example.com' };
    const answers = await Promise.all([putIf(doc, tag), putIf(doc, tag), putIf(doc, tag)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(await settingsSaves()).toBe(saves + 1);

    const now = (await read()).tag;
    const mine = { ...(await settings()), audience: 'Mine' };
    const theirs = { ...(await settings()), audience: 'Theirs' };
    const [a1, a2, b] = await Promise.all([putIf(mine, now), putIf(mine, now), putIf(theirs, now)]);
    // Whichever change committed first, the other one is refused and its twin follows the first.
    const won = (await settings()).audience;
    if (won === 'Mine') expect([a1.status, a2.status, b.status]).toEqual([200, 200, 412]);
    else expect([a1.status, a2.status, b.status]).toEqual([412, 412, 200]);
    expect(await settingsSaves()).toBe(saves + 2);
  });

  it('the console form submitted twice (a double click) is done both times, not "Nothing was saved"', async () => {
    const base = await settings();
    const version = versionIn(await page(dana))!;
    const saves = await settingsSaves();
    const form = formOf({ ...base, signoff: 'Double-clicked' }, version);
    const first = await dana.post('/admin/settings', form);
    const second = await dana.post('/admin/settings', form);
    for (const res of [first, second]) {
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toContain('/admin/settings?done=1');
    }
    const now = versionIn(await page(dana))!;
    const twins = await Promise.all([1, 2].map(() => dana.post('/admin/settings', formOf({ ...base, signoff: 'Twins' }, now))));
    expect(twins.map((r) => r.status)).toEqual([303, 303]);
    expect((await settings()).signoff).toBe('Twins');
    expect(await settingsSaves()).toBe(saves + 2);
  });
});

describe('a sign-off of two lines from the console', () => {
  it('saves the two lines the box was given (a browser sends CRLF) and shows them again in it', async () => {
    const base = await settings();
    const version = versionIn(await page(dana))!;
    const saved = await dana.post('/admin/settings', formOf({ ...base, signoff: 'Best regards,\r\nThe Acme Operations Team' }, version));
    // Before: refused, "Sign-off must not contain control characters".
    expect(saved.status).toBe(303);
    expect((await settings()).signoff).toBe('Best regards,\nThe Acme Operations Team');
    expect(await page(dana)).toMatch(/<textarea id="signoff"[^>]*>Best regards,\nThe Acme Operations Team<\/textarea>/);
  });
});

describe('a severity level refused for a field', () => {
  it('its message is tied to the field (aria-describedby) and names it as the table does, not as the API does', async () => {
    const form = formOf(await settings(), versionIn(await page(dana))!);
    const refused = await dana.post('/admin/settings', { ...form, 'level.0.update_every_minutes': 'soon' });
    expect(refused.status).toBe(422);
    const doc = dom(await refused.text());
    const field = byName(doc, 'level.0.update_every_minutes')!;
    expect(field.attribs['aria-invalid']).toBe('true');
    const [error] = describedBy(doc, field);
    expect(error, 'the error the field points at').toBeDefined();
    expect(textOf(error!)).toBe('Level 1: “Update every (min)” must be a number of minutes, or left empty');
    // The fields of the row that are fine point at nothing.
    expect(byName(doc, 'level.0.label')!.attribs['aria-describedby']).toBeUndefined();
  });
});

describe("the settings form's own fields refused", () => {
  it('name the field by its label, not as the API does (it read "Support_contact must be…")', async () => {
    const form = formOf(await settings(), versionIn(await page(dana))!);
    const refused = await dana.post('/admin/settings', { ...form, support_contact: 'call us', audience: '' });
    expect(refused.status).toBe(422);
    const doc = dom(await refused.text());
    expect(textOf(describedBy(doc, byName(doc, 'support_contact')!)[0]!)).toBe(
      'Support contact must be an email address or an http(s) URL',
    );
    expect(textOf(describedBy(doc, byName(doc, 'audience')!)[0]!)).toBe('Audience must not be empty');
  });
});

describe('a runbook scheme chosen on a form being edited (a review: its links dropped what was typed)', () => {
  it('comes back with everything typed and the scheme in the table, saves nothing, and Save then saves both', async () => {
    const base = await settings();
    const version = versionIn(await page(dana))!;
    const p1 = SEVERITY_SCHEMES.find((x) => x.id === 'p1-p4')!;
    const typed = { audience: 'Acme users', signoff: 'The Acme on-call team', support_contact: 'help@acme.example' };
    // The scheme's button posts the whole form, a label just edited in the table with it.
    const shown = await dana.post('/admin/settings', {
      ...formOf({ ...base, ...typed }, version),
      'level.0.label': 'Edited',
      scheme: 'p1-p4',
    });
    expect(shown.status, 'the form shown again, not a save').toBe(200);
    const doc = dom(await shown.text());
    // The sign-off's box holds its text (a textarea: one line or two); the others are inputs.
    for (const [k, v] of Object.entries(typed)) {
      const field = byName(doc, k);
      expect(field?.name === 'textarea' ? textOf(field) : field?.attribs.value, k).toBe(v);
    }
    expect(byName(doc, 'version')?.attribs.value, 'still the version the form was read at').toBe(version);
    const table = Array.from({ length: 6 }, (_, i) => [
      byName(doc, `level.${i}.id`)?.attribs.value,
      byName(doc, `level.${i}.label`)?.attribs.value,
    ]);
    expect(table).toEqual([...p1.levels.map((l) => [l.id, l.label]), ...Array(6 - p1.levels.length).fill(['', ''])]);
    expect(textOf(all(doc, (e) => e.attribs.role === 'status')[0]!)).toBe(
      `The table shows the ${p1.name} scheme. Review it and save to use it.`,
    );
    expect(
      all(doc, (e) => e.attribs['aria-invalid'] === 'true'),
      'nothing called invalid',
    ).toEqual([]);
    // Each scheme is a button of the settings form; no link leaves the form.
    const form = all(doc, (e) => e.name === 'form' && byName(e, 'version') !== undefined)[0]!;
    expect(all(form, (e) => e.name === 'button' && e.attribs.name === 'scheme').map((b) => [b.attribs.value, textOf(b)])).toEqual(
      SEVERITY_SCHEMES.map((x) => [x.id, x.name]),
    );
    expect(all(doc, (e) => e.name === 'a' && (e.attribs.href ?? '').includes('scheme='))).toEqual([]);
    expect(await settings(), 'nothing saved').toEqual(base);
    // Without the form's CSRF token it is refused, as a save would be.
    const forged = await dana.post('/admin/settings', {}, { body: new URLSearchParams({ ...typed, scheme: 'p1-p4' }).toString() });
    expect(forged.status).toBe(403);

    // Saved from there: what was typed and the scheme, together.
    const saved = await dana.post('/admin/settings', formOf({ ...base, ...typed, severities: p1.levels }, version));
    expect(saved.status).toBe(303);
    expect(await settings()).toMatchObject({ ...typed, severities: p1.levels });
  });
});
