import { describe, expect, it } from 'vitest';
import { openHerald } from '../../src/herald.ts';
import { DEFAULT_SETTINGS, settingsSchema as storedSettingsSchema } from '../../src/domain/settings.ts';
import { SEVERITY_SCHEMES } from '../../src/domain/severity-schemes.ts';
import { heraldPerTest, openInProcess, type InProcess } from '../helpers/app.ts';

/**
 * The Comms Lead's settings (GET/PUT /api/admin/settings), in process: the
 * defaults, a whole-document replace that is audited and durable, what the
 * schema refuses (422 naming the field, nothing changed), and the five
 * runbook schemes.
 */
type Json = Record<string, any>;

let p: InProcess;
const call = async (path: string, init?: { method?: string; body?: unknown }) => {
  const res = await p.admin(path, init);
  return { status: res.status, body: (await res.json()) as Json };
};
const getSettings = async () => (await call('/settings')).body;
const put = (body: unknown) => call('/settings', { method: 'PUT', body });
const audit = async () => (await call('/audit')).body.events as Json[];
const scheme = (id: string) => SEVERITY_SCHEMES.find((s) => s.id === id)!;

/** A valid whole document, the 'p0-p3' scheme's levels. */
const dirtFree = () => ({
  audience: 'Dirt Free CRM users',
  signoff: 'The Dirt Free CRM Team',
  support_contact: 'support@example.com',
  severities: structuredClone(scheme('p0-p3').levels),
});

// Each test on a Herald of its own, or one its describe shares (oneHerald): for tests that compare with what was
// there before them (a refusal changes nothing) or replace the whole document and read it back, most of the file's.
const { oneHerald } = heraldPerTest(
  () => openInProcess(),
  (h) => {
    p = h;
  },
);

describe('reading the settings', () => {
  it('answers the default settings on a fresh Herald', async () => {
    const res = await call('/settings');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(DEFAULT_SETTINGS);
  });

  it('refuses a request without the admin token (401)', async () => {
    const res = await p.request('/api/admin/settings');
    expect(res.status).toBe(401);
    expect(((await res.json()) as Json).error.code).toBe('unauthorized');
    const wrong = await p.request('/api/admin/settings', {
      method: 'PUT',
      body: JSON.stringify(dirtFree()),
      headers: { 'content-type': 'application/json' },
    });
    expect(wrong.status).toBe(401);
    expect(await getSettings()).toEqual(DEFAULT_SETTINGS);
  });
});

describe('replacing the settings', () => {
  it('answers 200 with the new document, which GET then returns, and audits settings.update with the previous value', async () => {
    const res = await put(dirtFree());
    expect(res.status).toBe(200);
    expect(res.body).toEqual(dirtFree());
    expect(await getSettings()).toEqual(dirtFree());
    const [event] = await audit();
    expect(event).toMatchObject({ action: 'settings.update', target: 'settings', actor: 'admin-token', previous: DEFAULT_SETTINGS });
  });

  // From a hunt: each identical save was another settings.update in the audit log, which told nothing.
  it('a save that changes nothing answers 200 and writes no audit event, with If-Match or without', async () => {
    expect((await put(dirtFree())).status).toBe(200);
    const tag = (await p.admin('/settings')).headers.get('etag')!;
    const events = (await audit()).length;
    expect((await put(dirtFree())).status).toBe(200);
    const matched = await p.admin('/settings', { method: 'PUT', body: dirtFree(), headers: { 'if-match': tag } });
    expect([matched.status, await matched.json()]).toEqual([200, dirtFree()]);
    expect(await audit()).toHaveLength(events);
  });

  it('fills a level’s optional fields with their defaults', async () => {
    const doc = dirtFree();
    const { email_every_update, email_after_minutes, postmortem_due_hours, postmortem_overdue_hours, ...bare } = doc.severities[3]!;
    const res = await put({ ...doc, severities: [...doc.severities.slice(0, 3), bare] });
    expect(res.status).toBe(200);
    expect(res.body.severities[3]).toEqual({
      ...bare,
      email_every_update: false,
      email_after_minutes: null,
      postmortem_due_hours: null,
      postmortem_overdue_hours: null,
    });
  });

  it('is durable: the store holds it, and Herald reopened on the same storage reads it back', async () => {
    expect((await put(dirtFree())).status).toBe(200);
    expect(JSON.parse(await p.stored()).settings).toEqual(dirtFree());
    await p.herald.close();
    const again = await openHerald(p.herald.config, { log: () => {}, timer: false });
    try {
      expect(again.store.data.settings).toEqual(dirtFree());
      expect(again.store.data.audit.map((e) => e.action)).toEqual(['settings.update']);
    } finally {
      await again.close();
    }
  });
});

/** Bad documents: each refused with 422 naming the offending path. */
const level0 = (patch: Json) => {
  const doc: Json = dirtFree();
  doc.severities[0] = { ...doc.severities[0], ...patch };
  return doc;
};
const BAD: Array<[string, () => Json, string]> = [
  [
    'duplicate level ids',
    () => {
      const doc = dirtFree();
      doc.severities[2]!.id = 'p0';
      return doc;
    },
    'severities.2.id',
  ],
  // From a hunt: accepted, and then the picker, the page and "raised from SEV-1 to SEV-1" could not tell them apart.
  [
    'duplicate level labels (in another case)',
    () => {
      const doc = dirtFree();
      doc.severities[1]!.label = ` ${doc.severities[0]!.label.toLowerCase()}`;
      return doc;
    },
    'severities.1.label',
  ],
  ['a single level', () => ({ ...dirtFree(), severities: dirtFree().severities.slice(0, 1) }), 'severities'],
  [
    'seven levels',
    () => ({
      ...dirtFree(),
      severities: [...dirtFree().severities, ...dirtFree().severities.slice(0, 3)].map((l, i) => ({ ...l, id: `l${i}` })),
    }),
    'severities',
  ],
  ['an empty label', () => level0({ label: '' }), 'severities.0.label'],
  ['a label of only spaces', () => level0({ label: '   ' }), 'severities.0.label'],
  ['negative update_every_minutes', () => level0({ update_every_minutes: -5 }), 'severities.0.update_every_minutes'],
  ['update_every_minutes of 0', () => level0({ update_every_minutes: 0 }), 'severities.0.update_every_minutes'],
  ['fractional update_every_minutes', () => level0({ update_every_minutes: 12.5 }), 'severities.0.update_every_minutes'],
  ['an unknown impact', () => level0({ impact: 'catastrophic' }), 'severities.0.impact'],
  [
    'postmortem_overdue_hours before postmortem_due_hours',
    () => level0({ postmortem_due_hours: 48, postmortem_overdue_hours: 24 }),
    'severities.0.postmortem_overdue_hours',
  ],
  ['a support_contact that is neither email nor URL', () => ({ ...dirtFree(), support_contact: 'call Bob' }), 'support_contact'],
  // From a hunt: each read as one place and led to another, or carried text HTML would have to quote.
  ['a support_contact URL with a user name', () => ({ ...dirtFree(), support_contact: 'https://good.com@evil.com/' }), 'support_contact'],
  ['a support_contact address with markup', () => ({ ...dirtFree(), support_contact: 'a"><b>@x.com' }), 'support_contact'],
  [
    'a support_contact URL with braces and a pipe',
    () => ({ ...dirtFree(), support_contact: 'https://e.com/?c={{x}}|y' }),
    'support_contact',
  ],
  ['an unknown top-level key', () => ({ ...dirtFree(), theme: 'dark' }), 'theme'],
  ['an unknown key in a level', () => level0({ colour: 'red' }), 'severities.0.colour'],
  [
    'a missing audience',
    () => {
      const { audience, ...rest } = dirtFree();
      return rest;
    },
    'audience',
  ],
  ['a label with a control character', () => level0({ label: 'P\u00070' }), 'severities.0.label'],
  // Broken Unicode, refused in every other text Herald takes (cleanLine): served as "\udfff", strict JSON readers refuse it.
  ['a label with a lone low surrogate', () => level0({ label: 'X\udfff' }), 'severities.0.label'],
  ['a description with a lone high surrogate', () => level0({ description: 'Down \ud800' }), 'severities.0.description'],
  ['a signoff with the noncharacter U+FFFE', () => ({ ...dirtFree(), signoff: 'Team \ufffe' }), 'signoff'],
  ['a signoff of three lines', () => ({ ...dirtFree(), signoff: 'Best regards,\nThe Ops Team\nAcme' }), 'signoff'],
  ['a signoff with a tab', () => ({ ...dirtFree(), signoff: 'Best regards,\tThe Ops Team' }), 'signoff'],
  ['an audience with the noncharacter U+FDD0', () => ({ ...dirtFree(), audience: '\ufdd0users' }), 'audience'],
  ['a support_contact with a lone surrogate', () => ({ ...dirtFree(), support_contact: 'help\ud800@example.com' }), 'support_contact'],
];

describe('a sign-off of two lines', () => {
  it('is kept as two lines (runbook 004: "Best regards," above the team\'s name), blank lines and spaces around dropped', async () => {
    const res = await put({ ...dirtFree(), signoff: '  Best regards,\r\n\r\n  MgmtVibe Operations Team  ' });
    // Before: 422 "signoff must not contain control characters".
    expect(res.status).toBe(200);
    expect((await getSettings()).signoff).toBe('Best regards,\nMgmtVibe Operations Team');
  });
});

describe('refusing a bad document', () => {
  oneHerald();
  // First on the describe's Herald, while its audit holds nothing: the events below are this test's alone.
  it('refuses each bad document after a good one too, keeping the good one', async () => {
    expect((await put(dirtFree())).status).toBe(200);
    for (const [, make] of BAD) expect((await put(make())).status).toBe(422);
    expect(await getSettings()).toEqual(dirtFree());
    expect((await audit()).map((e) => e.action)).toEqual(['settings.update']);
  });

  it.each(BAD)('refuses %s (422, field %s) and changes nothing', async (_what, make, field) => {
    const before = await getSettings();
    const eventsBefore = (await audit()).length;
    const res = await put(make());
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'invalid', field });
    expect(res.body.error.message).toEqual(expect.any(String));
    expect(await getSettings()).toEqual(before);
    expect(await audit()).toHaveLength(eventsBefore);
  });

  it('a document saved before broken Unicode was refused still reads as stored (only input is held to the new rule)', () => {
    const saved = { ...dirtFree(), signoff: 'Team \ufffe', severities: level0({ label: 'X\udfff' }).severities };
    expect(storedSettingsSchema.parse(saved)).toEqual(saved);
    // Nor are two levels of one label, saved before they were refused.
    const twins = { ...dirtFree(), severities: dirtFree().severities.map((l: Json) => ({ ...l, label: 'Same' })) };
    expect(storedSettingsSchema.parse(twins)).toEqual(twins);
    expect(storedSettingsSchema.safeParse({ ...saved, signoff: 'Team\u0007' }).success).toBe(false);
  });
});

describe('two editors, one settings document', () => {
  const putIf = async (body: unknown, ifMatch: string) => {
    const res = await p.admin('/settings', { method: 'PUT', body, headers: { 'if-match': ifMatch } });
    return { status: res.status, etag: res.headers.get('etag'), body: (await res.json()) as Json };
  };

  it('refuses (412) a PUT made against a version someone else changed since, keeping their change', async () => {
    const read = await p.admin('/settings');
    const tag = read.headers.get('etag')!;
    expect(tag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const base = (await read.json()) as Json;
    // Both read the same version; the first saves its signoff, the second its support contact.
    const first = await putIf({ ...base, signoff: 'The Dirt Free CRM Team' }, tag);
    expect(first.status).toBe(200);
    expect(first.etag).not.toBe(tag);
    const second = await putIf({ ...base, support_contact: 'help@example.com' }, tag);
    expect(second.status).toBe(412);
    expect(second.body.error).toMatchObject({ code: 'precondition_failed', field: 'If-Match' });
    expect(await getSettings()).toMatchObject({ signoff: 'The Dirt Free CRM Team', support_contact: null });
    // Read again, the second editor's change goes in on top of the first's.
    const again = await putIf({ ...(await getSettings()), support_contact: 'help@example.com' }, first.etag!);
    expect(again.status).toBe(200);
    expect(await getSettings()).toMatchObject({ signoff: 'The Dirt Free CRM Team', support_contact: 'help@example.com' });
    expect((await p.admin('/settings')).headers.get('etag')).toBe(again.etag);
  });

  it('takes the ETag weak, as a compressing proxy passes it on, or in a list; a list without it is refused (412)', async () => {
    const tag = (await p.admin('/settings')).headers.get('etag')!;
    expect((await putIf({ ...(await getSettings()), audience: 'Weak' }, `W/${tag}`)).status).toBe(200);
    const now = (await p.admin('/settings')).headers.get('etag')!;
    expect((await putIf({ ...(await getSettings()), audience: 'Listed' }, `"zzz", ${now}`)).status).toBe(200);
    expect((await putIf({ ...(await getSettings()), audience: 'Stale' }, `"zzz", ${tag}`)).status).toBe(412);
    expect((await getSettings()).audience).toBe('Listed');
  });

  it('takes a PUT without If-Match, or with *, as a plain replace; refuses an If-Match that is no ETag (422)', async () => {
    expect((await put(dirtFree())).status).toBe(200);
    expect((await putIf({ ...dirtFree(), audience: 'Everyone' }, '*')).status).toBe(200);
    const bad = await putIf(dirtFree(), 'abc');
    expect(bad.status).toBe(422);
    expect(bad.body.error.field).toBe('If-Match');
    expect((await getSettings()).audience).toBe('Everyone');
  });
});

describe('the runbook schemes', () => {
  oneHerald();
  it('offers the five schemes of docs/runbooks.md', () => {
    expect(SEVERITY_SCHEMES.map((s) => s.id)).toEqual(['p1-p4', 'sev1-sev3', 'p0-p3', 'sev-1-4', 'sev0-sev3']);
  });

  it.each(SEVERITY_SCHEMES.map((s) => [s.id, s] as const))('accepts the %s scheme as the severities', async (_id, s) => {
    const doc = { ...DEFAULT_SETTINGS, severities: s.levels };
    const res = await put(doc);
    expect(res.status).toBe(200);
    expect(await getSettings()).toEqual(doc);
  });
});
