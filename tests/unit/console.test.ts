import { levelMessage } from '../../src/console/actions/settings.ts';
import { describe, expect, it } from 'vitest';
import { SessionStore, SESSION_IDLE_MS, SESSION_MAX_MS } from '../../src/auth/sessions.ts';
import { WindowLimiter } from '../../src/http/rate-limit.ts';
import { DraftStore, memoryConsoleStore } from '../../src/store/console/memory.ts';
import { DRAFT_TTL_MS, MAX_DRAFTS_PER_SESSION } from '../../src/store/console/port.ts';
import { applyDraftOnce, type DraftAction } from '../../src/publish/preview.ts';
import { activeIncidents, DASHBOARD_POSTMORTEMS, postmortemsOwed } from '../../src/domain/cadence.ts';
import { at } from '../../src/console/format.ts';
import { updateTemplate, type TemplateFacts } from '../../src/console/templates.ts';
import { joinNames } from '../../src/domain/words.ts';
import { DEFAULT_SETTINGS } from '../../src/domain/settings.ts';
import { wallClockToIso, isoToWallClock, proposedWindow } from '../../src/console/zoned-time.ts';
import { parseSetCookie } from 'cookie';
import { isPoll, sessionCookieName, sessionSetCookie } from '../../src/auth/session-cookie.ts';
import { declareFromForm, notifyChoice, updateFromForm } from '../../src/console/draft-input.ts';
import { blankUpdate, valuesFromDraft, type DeclareValues } from '../../src/console/draft-values.ts';
import { notifyDefault, updateClientTemplates } from '../../src/console/form-defaults.ts';
import { deliveryLabel, noticeLabel } from '../../src/console/deliveries.ts';
import { reminderKey } from '../../src/notify/intents.ts';
import { confirmationDelivery } from '../../src/store/mail/model.ts';
import { hashPassword, verifyPassword } from '../../src/auth/password.ts';
import { component, ctx, db, T0 } from '../helpers/db.ts';
import { declareIncident } from '../../src/domain/incidents/declare.ts';
import { postUpdate } from '../../src/domain/incidents/post-update.ts';
import { editComponent } from '../../src/domain/components/manage.ts';
import { stillUnderWay } from '../../src/domain/still-under-way.ts';
import { savePostmortem } from '../../src/domain/incidents/postmortem.ts';

const MIN = 60_000;

describe('console sessions', () => {
  it('finds a session by its token, keeps only a hash of it, and ends it on sign-out', () => {
    const store = new SessionStore();
    const { token, session } = store.create('console:Dana', 0);
    expect(session.key).not.toContain(token);
    expect(store.get(token, 1)?.actor).toBe('console:Dana');
    expect(store.get(`${token}x`, 1)).toBeNull();
    store.destroy(token);
    expect(store.get(token, 2)).toBeNull();
  });

  it('expires after 12 h idle, and after 24 h even when used', () => {
    const store = new SessionStore();
    const a = store.create('a', 0).token;
    expect(store.get(a, SESSION_IDLE_MS + 1)).toBeNull();
    const b = store.create('b', 0).token;
    for (let t = 0; t < SESSION_MAX_MS; t += SESSION_IDLE_MS / 2) expect(store.get(b, t)).not.toBeNull();
    expect(store.get(b, SESSION_MAX_MS + 1)).toBeNull();
  });

  it("a page's own poll (X-Herald-Poll) does not keep a session alive: an open tab ends after 12 h idle", () => {
    const store = new SessionStore();
    const { token } = store.create('a', 0);
    // Before: each poll marked it used, and an unattended tab stayed signed in for the whole 24 h.
    for (let t = 0; t < SESSION_IDLE_MS; t += SESSION_IDLE_MS / 4) expect(store.get(token, t, false)).not.toBeNull();
    expect(store.get(token, SESSION_IDLE_MS + 1, false)).toBeNull();
    const poll = (headers: Record<string, string>, method = 'GET') =>
      isPoll(new Request('http://h/api/admin/dashboard', { method, headers }));
    expect([poll({ 'x-herald-poll': '1' }), poll({}), poll({ 'x-herald-poll': '1' }, 'POST')]).toEqual([true, false, false]);
  });

  it('gives each session its own CSRF token', () => {
    const store = new SessionStore();
    expect(store.create('a', 0).session.csrf).not.toBe(store.create('b', 0).session.csrf);
  });
});

describe('sign-in limiter', () => {
  it('blocks a key after max failures until the window ends; success clears it', () => {
    const l = new WindowLimiter({ limit: 3, windowMs: 10 * MIN });
    for (let i = 0; i < 3; i++) {
      expect(l.blockedFor('ip', i)).toBe(0);
      l.hit('ip', i);
    }
    expect(l.blockedFor('ip', 3)).toBe(600);
    expect(l.blockedFor('other', 3)).toBe(0);
    expect(l.blockedFor('ip', 10 * MIN + 1)).toBe(0);
    l.hit('x', 0);
    l.reset('x');
    expect(l.blockedFor('x', 1)).toBe(0);
  });

  it('stays bounded under many addresses', () => {
    const l = new WindowLimiter({ limit: 1, windowMs: MIN, maxKeys: 100 });
    for (let i = 0; i < 1000; i++) l.hit(`ip${i}`, 0);
    expect(l.size).toBeLessThanOrEqual(100);
  });

  it("one failure each from more addresses than it keeps does not lock a new address out (the console's store)", async () => {
    const store = memoryConsoleStore({ signIn: { limit: 5, windowMs: 15 * MIN, maxKeys: 10_000 } });
    for (let i = 0; i < 10_050; i++) await store.signInFailures.hit(`10.${i >> 8}.${i & 255}.1`, 0);
    // Before: 899 (seconds), "Too many failed sign-ins from your address" for everyone new.
    expect(await store.signInFailures.hit('203.0.113.50', 1_000)).toBe(0);
    // An address that used up its window is still refused.
    for (let i = 0; i < 5; i++) await store.signInFailures.hit('198.51.100.9', 2_000);
    for (let i = 0; i < 10_050; i++) await store.signInFailures.hit(`10.99.${i >> 8}.${i & 255}`, 3_000);
    expect(await store.signInFailures.hit('198.51.100.9', 4_000)).toBeGreaterThan(0);
  });
});

describe('drafts', () => {
  const action: DraftAction = {
    kind: 'declare',
    input: { name: 'x', impact: 'major', status: 'investigating', body: 'b', components: {} },
  };

  it('a double click publishes once: both requests get the same result', async () => {
    const drafts = new DraftStore();
    const d = drafts.save('s1', action, 0);
    let runs = 0;
    const publish = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 5));
      return 'INC-1';
    };
    const [a, b] = [drafts.publishOnce(d.id, 's1', 1, publish), drafts.publishOnce(d.id, 's1', 1, publish)];
    expect(await a).toBe('INC-1');
    expect(await b).toBe('INC-1');
    expect(runs).toBe(1);
  });

  it('only the session that previewed may publish; a failed publish can be retried', async () => {
    const drafts = new DraftStore();
    const d = drafts.save('s1', action, 0);
    expect(drafts.publishOnce(d.id, 's2', 1, async () => 'no')).toBeNull();
    await expect(
      drafts.publishOnce(d.id, 's1', 1, async () => {
        throw new Error('conflict');
      }),
    ).rejects.toThrow('conflict');
    expect(await drafts.publishOnce(d.id, 's1', 2, async () => 'INC-2')).toBe('INC-2');
  });

  it("one session's many previews push out its own oldest drafts, never another session's, as on PostgreSQL", () => {
    const drafts = new DraftStore();
    const dana = drafts.save('dana', action, 0);
    const lees = Array.from({ length: 500 }, (_, i) => drafts.save('lee', action, i + 1));
    // Before: Dana's draft, seconds old, was gone ("This preview has expired") after 500 previews of Lee's.
    expect(drafts.peek(dana.id, 'dana', 600)).toBe(dana);
    expect(drafts.peek(lees[0]!.id, 'lee', 600)).toBeNull();
    expect(drafts.peek(lees.at(-1)!.id, 'lee', 600)).toBe(lees.at(-1));
    expect(lees.filter((d) => drafts.peek(d.id, 'lee', 600))).toHaveLength(MAX_DRAFTS_PER_SESSION);
  });

  it('a draft older than two hours is gone: not shown again, not published, as on PostgreSQL', async () => {
    const drafts = new DraftStore();
    const d = drafts.save('s1', action, 0);
    expect(drafts.peek(d.id, 's1', DRAFT_TTL_MS)).toBe(d);
    expect(drafts.peek(d.id, 's1', DRAFT_TTL_MS + 1)).toBeNull();
    let runs = 0;
    expect(
      drafts.publishOnce(d.id, 's1', DRAFT_TTL_MS + 1, async () => {
        runs++;
        return 'INC-3';
      }),
    ).toBeNull();
    expect(runs).toBe(0);
  });
});

describe('update cadence on the dashboard', () => {
  const data = () => {
    const d = db([{ id: 'api' }]);
    const declare = (name: string, impact: 'critical' | 'major' | 'minor') =>
      declareIncident(ctx(d), { name, impact, status: 'investigating', body: 'b', components: { api: 'degraded_performance' } }).id;
    declare('one', 'critical');
    declare('two', 'minor');
    const three = declare('three', 'major');
    postUpdate(ctx(d), three, { status: 'resolved', body: 'over' });
    return d;
  };

  it('SEV-1 is due 30 min after its last update and overdue after; SEV-3 after 4 h; resolved ones are not listed', () => {
    const rows = activeIncidents(data(), new Date(T0.getTime() + 31 * MIN));
    expect(rows.map((r) => [r.incident.name, r.overdue, r.dueAt])).toEqual([
      ['one', true, new Date(T0.getTime() + 30 * MIN).toISOString()],
      ['two', false, new Date(T0.getTime() + 240 * MIN).toISOString()],
    ]);
    expect(rows[0]!.minutesLeft).toBe(-1);
  });

  it('a time on another local day than now carries its date (a daily cadence read "due 10:04 UTC" for tomorrow)', () => {
    const now = new Date('2026-12-02T10:05:00Z');
    expect(at('2026-12-02T23:30:00Z', 'UTC', now)).toBe('23:30 UTC');
    expect(at('2026-12-03T10:04:00Z', 'UTC', now)).toBe('3 Dec 2026, 10:04 UTC');
    expect(at('2026-12-01T23:59:00Z', 'UTC', now)).toBe('1 Dec 2026, 23:59 UTC');
    // Days are the page's: 23:30 UTC is already the 3rd in Sydney, and 10:05 UTC still the 2nd in New York.
    expect(at('2026-12-02T23:30:00Z', 'Australia/Sydney', now)).toMatch(/^3 Dec 2026, 10:30/);
    expect(at('2026-12-02T14:00:00Z', 'America/New_York', now)).toMatch(/^09:00/);
  });

  it('counts from the time an update dated back reads, not from when it was posted: the page shows it that old', () => {
    const d = data();
    const min = (n: number) => new Date(T0.getTime() + n * MIN);
    const one = d.incidents.find((i) => i.name === 'one')!;
    // Posted at 25 min, telling of what happened at 10 min (a backfill of what was said on a call).
    postUpdate(ctx(d, 25), one.id, { status: 'identified', body: 'Rolled back at 10 past.', display_at: min(10).toISOString() });
    const row = activeIncidents(d, min(26)).find((r) => r.incident.id === one.id)!;
    expect(row.dueAt).toBe(min(40).toISOString());
    expect(row.minutesLeft).toBe(14);
    // Posted since the page was drawn: the console's pages follow the posting, which the backfill moved.
    expect(row.lastUpdateAt).toBe(min(25).toISOString());
  });

  it('counts a late declaration from its posting, though its first update reads from the start it was dated at', () => {
    const d = db([{ id: 'api' }]);
    const min = (n: number) => new Date(T0.getTime() + n * MIN);
    // Declared at 45 min, started at 0 (found late): the cadence begins at the declaration (before: overdue at once).
    const inc = declareIncident(ctx(d, 45), {
      name: 'late',
      impact: 'critical',
      status: 'investigating',
      body: 'b',
      components: { api: 'major_outage' },
      started_at: min(0).toISOString(),
    });
    expect(inc.updates[0]!.display_at).toBe(min(0).toISOString());
    expect(activeIncidents(d, min(46))[0]!.dueAt).toBe(min(75).toISOString());
  });

  it('HERALD_CADENCE_SCALE shortens the cadence', () => {
    const rows = activeIncidents(data(), new Date(T0.getTime() + 4 * MIN), 0.1);
    expect(rows.find((r) => r.incident.name === 'one')!.overdue).toBe(true);
    expect(rows.find((r) => r.incident.name === 'two')!.overdue).toBe(false);
  });
});

describe('postmortems owed on the dashboard', () => {
  const HOUR = 60 * MIN;
  // Resolved `hoursAgo` before `now` (T0 + 1,000 h): a SEV-1 owes its review from then, due after 24 h, overdue after 48 h.
  const now = new Date(T0.getTime() + 1000 * HOUR);
  const resolved = (d: ReturnType<typeof db>, name: string, hoursAgo: number) => {
    const at = 1000 * 60 - hoursAgo * 60;
    const id = declareIncident(ctx(d, at - 10), { name, impact: 'critical', status: 'investigating', body: 'b', components: {} }).id;
    postUpdate(ctx(d, at), id, { status: 'resolved', body: 'over' });
  };

  it('the ten most recently resolved, overdue first, then due, then owed, each the most recent first; with how many in all', () => {
    const d = db();
    // A backlog of years first, as a site builds one: 15 overdue, the oldest resolved 900 h ago.
    for (let n = 0; n < 15; n++) resolved(d, `overdue ${900 - n * 50} h`, 900 - n * 50);
    resolved(d, 'yesterday', 30);
    resolved(d, 'two days ago', 49);
    resolved(d, 'an hour ago', 1);
    resolved(d, 'three hours ago', 3);

    const all = postmortemsOwed(d, now, Infinity);
    expect(all.total).toBe(19);
    expect(all.rows.map((r) => [r.incident.name, r.due.state])).toEqual([
      ['two days ago', 'overdue'],
      ...Array.from({ length: 15 }, (_, n) => [`overdue ${200 + n * 50} h`, 'overdue']),
      ['yesterday', 'due'],
      ['an hour ago', 'owed'],
      ['three hours ago', 'owed'],
    ]);

    // The backlog does not hide yesterday's, nor the last hours': they are among the ten newest.
    expect(DASHBOARD_POSTMORTEMS).toBe(10);
    const first = postmortemsOwed(d, now);
    expect(first.total).toBe(19);
    expect(first.rows.map((r) => r.incident.name)).toEqual([
      'two days ago',
      ...Array.from({ length: 6 }, (_, n) => `overdue ${200 + n * 50} h`),
      'yesterday',
      'an hour ago',
      'three hours ago',
    ]);
  });

  it('a postmortem published is owed no more', () => {
    const d = db();
    resolved(d, 'reviewed', 60);
    resolved(d, 'not yet', 70);
    const reviewed = d.incidents.find((i) => i.name === 'reviewed')!.id;
    savePostmortem(ctx(d, 1000 * 60), reviewed, { body: '## Summary\nA bad deploy.', publish: true });
    expect(postmortemsOwed(d, now).rows.map((r) => r.incident.name)).toEqual(['not yet']);
    expect(postmortemsOwed(d, now).total).toBe(1);
  });
});

describe('runbook update templates', () => {
  const [sev1, , sev3] = DEFAULT_SETTINGS.severities;
  const facts = (components: string[], more: Partial<TemplateFacts> = {}): TemplateFacts => ({
    components,
    level: null,
    startedAt: '2026-11-30T14:02:00.000Z',
    eta: null,
    now: new Date('2026-11-30T15:32:00.000Z'),
    timeZone: 'UTC',
    ...more,
  });

  it('fill in the affected services, the level cadence, the start, the estimate and the duration', () => {
    expect(joinNames(['API', 'Website', 'Database'])).toBe('API, Website and Database');
    expect(updateTemplate('investigating', facts(['API'], { level: sev1! }))).toBe(
      [
        'We are investigating reports of problems with API. We will provide updates at least every 30 minutes.',
        '',
        '- **Affected services:** API',
        '- **Estimated resolution:** not known yet',
        '- **Started at:** 30 Nov 2026, 14:02 UTC',
      ].join('\n'),
    );
    const identified = updateTemplate('identified', facts(['API', 'Website'], { level: sev3!, eta: '2026-11-30T17:00:00.000Z' }));
    expect(identified).toContain(
      'We have identified the issue affecting API and Website and are working on a fix. We will provide the next update within 4 hours.',
    );
    expect(identified).toContain('- **Estimated resolution:** 17:00 UTC');
    // The runbooks' In progress update ends with "Updated at" (this update's time), not the start the Initial one gives.
    for (const name of ['identified', 'monitoring'] as const) {
      const body = updateTemplate(name, facts(['API']));
      expect(body.split('\n').at(-1)).toBe('- **Updated at:** 30 Nov 2026, 15:32 UTC');
      expect(body).not.toContain('Started at');
    }
    expect(updateTemplate('monitoring', facts(['API']))).toContain('- **Estimated resolution:** not known yet');
    const resolved = updateTemplate('resolved', facts(['API', 'Website']));
    expect(resolved).toMatch(/^The issue has been resolved\. All services are operating normally\./);
    expect(resolved).toContain('- **Total duration:** 1 h 30 min');
    expect(resolved).toContain('- **Resolved at:** 30 Nov 2026, 15:32 UTC');
    expect(updateTemplate('investigating', facts([]))).toContain('problems with our services');
    expect(updateTemplate('investigating', facts([]))).toContain('- **Affected services:** being assessed');
  });

  it('a declare form left with the template gets the chosen level and components; an edited text is kept', () => {
    const d = db([component('api', 'operational', { name: 'Checkout API' })]);
    const fc = { db: d, timeZone: 'UTC', now: T0 };
    const form = new FormData();
    const tpl = updateTemplate('investigating', { ...facts([]), startedAt: null, now: T0 });
    for (const [k, v] of Object.entries({ name: 'Down', severity: 'sev2', body: tpl, body_template: tpl, 'component.api': 'major_outage' }))
      form.set(k, v);
    const read = declareFromForm(form, fc);
    expect(read.action?.kind === 'declare' && read.action.input.body).toBe(
      updateTemplate('investigating', { ...facts(['Checkout API']), level: DEFAULT_SETTINGS.severities[1]!, startedAt: null, now: T0 }),
    );
    form.set('body', 'Our own words.');
    const edited = declareFromForm(form, fc);
    expect(edited.action?.kind === 'declare' && edited.action.input.body).toBe('Our own words.');
  });

  it('back to edit from a preview, a body left as the template follows the severity, components and estimate changed then', () => {
    const d = db([component('api', 'operational', { name: 'Checkout API' }), component('web', 'operational', { name: 'Website' })]);
    const fc = { db: d, timeZone: 'UTC', now: T0 };
    const submit = (fields: Record<string, string>) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.set(k, v);
      return declareFromForm(form, fc);
    };
    const first = submit({ name: 'Down', severity: 'sev3', body: 'x', body_template: 'x', 'component.api': 'degraded_performance' });
    // Back to edit: the form as valuesFromDraft fills it, sent again with other choices.
    const back = valuesFromDraft(first.action!, d) as DeclareValues;
    const again = submit({
      name: 'Down',
      severity: 'sev1',
      eta: '60',
      body: back.body,
      body_template: back.bodyTemplate,
      'component.web': 'major_outage',
    });
    const expected = updateTemplate('investigating', {
      ...facts(['Website']),
      level: sev1!,
      startedAt: null,
      eta: new Date(T0.getTime() + 60 * MIN).toISOString(),
      now: T0,
    });
    // Before: the body still named Checkout API, the 4-hour cadence and no estimate.
    expect(again.action?.input.body).toBe(expected);
    // An edited body stays edited, after an error as after a preview.
    const edited = submit({ name: '', severity: 'sev1', body: 'Our own words.', body_template: expected });
    expect(edited.action).toBeUndefined();
    expect(
      submit({ name: 'Down', severity: 'sev1', body: edited.values.body, body_template: edited.values.bodyTemplate }).action?.input.body,
    ).toBe('Our own words.');
  });

  it('a follow-up note on a resolved incident starts blank: the resolution told again read as a second restoration', () => {
    const d = db([component('api')]);
    const { id } = declareIncident(ctx(d), { name: 'Down', severity: 'sev1', status: 'investigating', body: 'b', components: {} });
    postUpdate(ctx(d, 90), id, { status: 'resolved', body: 'Fixed.' });
    const incident = d.incidents.find((i) => i.id === id)!;
    const fc = { db: d, timeZone: 'Europe/Paris', now: new Date(T0.getTime() + 300 * MIN) };
    // Before: "The issue has been resolved. … Total duration: 1 h 30 min …", prefilled again for each note.
    expect(blankUpdate(fc, incident, 'resolved')).toMatchObject({ body: '', bodyTemplate: '' });
    // The console's script has no template to put in either.
    expect(Object.values(updateClientTemplates(fc, incident, ['resolved']))).toEqual(['']);
  });

  it('an estimate that has passed is not the default of the next update: "not known yet", and the template does not repeat it', () => {
    const d = db([component('api')]);
    const eta = new Date(T0.getTime() + 30 * MIN).toISOString();
    const inc = declareIncident(ctx(d), { name: 'Slow', severity: 'sev2', status: 'investigating', body: 'b', components: {}, eta });
    const before = blankUpdate({ db: d, timeZone: 'UTC', now: new Date(T0.getTime() + 20 * MIN) }, inc, 'identified');
    expect(before.eta).toBe('keep');
    expect(before.body).toContain('09:30 UTC');
    const after = blankUpdate({ db: d, timeZone: 'UTC', now: new Date(T0.getTime() + 40 * MIN) }, inc, 'identified');
    expect(after.eta).toBe('');
    expect(after.body).not.toContain('09:30');
    // A form opened before it passed, previewed after: "keep" is refused on its field, nothing is drafted.
    const form = new FormData();
    for (const [k, v] of Object.entries({ status: 'identified', eta: 'keep', body: 'x', body_template: '', notify_shown: '0' }))
      form.set(k, v);
    const late = updateFromForm(form, { db: d, timeZone: 'UTC', now: new Date(T0.getTime() + 40 * MIN) }, inc);
    expect(late.errors.eta).toBe('The estimate given before has passed: give a new one, or choose “Not known yet”.');
    expect(late.action).toBeUndefined();
    const early = updateFromForm(form, { db: d, timeZone: 'UTC', now: new Date(T0.getTime() + 20 * MIN) }, inc);
    expect(early.errors).toEqual({});
    // Previewed before it passed, published after: refused, nothing posted (before: published, "09:30 UTC (passed)").
    expect(() => applyDraftOnce(ctx(d, 40), 'draft-1', early.action!)).toThrow(
      'The estimated resolution this update keeps has passed since the preview: give a new one, or choose “Not known yet”.',
    );
    expect(inc.updates).toHaveLength(1);
    // Published before it passed, it goes out.
    applyDraftOnce(ctx(d, 25), 'draft-2', early.action!);
    expect(inc.updates.map((u) => u.status)).toEqual(['investigating', 'identified']);
  });

  it('what happened typed with another status than Resolved is refused on its field, kept in the form, not dropped', () => {
    const d = db([component('api')]);
    const inc = declareIncident(ctx(d), { name: 'Slow', severity: 'sev2', status: 'investigating', body: 'b', components: {} });
    const form = new FormData();
    for (const [k, v] of Object.entries({ status: 'monitoring', eta: 'none', body: 'x', body_template: '', notify_shown: '0' }))
      form.set(k, v);
    form.set('root_cause', 'A bad index on the sessions table.');
    const fc = { db: d, timeZone: 'UTC', now: T0 };
    // Before: drafted without it, published, and the text was gone.
    const monitoring = updateFromForm(form, fc, inc);
    expect(monitoring.action).toBeUndefined();
    expect(monitoring.errors).toEqual({
      root_cause:
        'This is published with the resolving update: choose Resolved to publish it now, or clear it and give it when you resolve.',
    });
    expect(monitoring.values.root_cause).toBe('A bad index on the sessions table.');
    form.set('status', 'resolved');
    expect(updateFromForm(form, fc, inc).action?.input).toMatchObject({ root_cause: 'A bad index on the sessions table.' });
  });

  it('the resolved template says every service works only when no other incident is open', () => {
    const d = db([component('api')]);
    const declare = (name: string) =>
      declareIncident(ctx(d), { name, severity: 'sev1', status: 'investigating', body: 'b', components: {} });
    const one = declare('One');
    const fc = { db: d, timeZone: 'UTC', now: T0 };
    expect(blankUpdate(fc, one, 'resolved').body).toContain('The issue has been resolved. All services are operating normally.');
    declare('Two');
    // Before: the same sentence through the other, open incident.
    expect(blankUpdate(fc, one, 'resolved').body).not.toContain('All services are operating normally');
  });

  it('nor while a component set by hand is down (an issue no incident tells of); under maintenance by hand, it says so', () => {
    const d = db([component('api'), component('web')]);
    const one = declareIncident(ctx(d), {
      name: 'One',
      severity: 'sev1',
      status: 'investigating',
      body: 'b',
      components: { api: 'major_outage' },
    });
    const fc = (min: number) => ({ db: d, timeZone: 'UTC', now: new Date(T0.getTime() + min * MIN) });
    editComponent(ctx(d, 5), 'web', { status: 'major_outage' });
    // Before: "All services are operating normally." beside a website in major outage.
    expect(blankUpdate(fc(10), one, 'resolved').body).not.toContain('All services are operating normally');
    expect(stillUnderWay(d, one, fc(10).now.toISOString())).toBe('incident');
    editComponent(ctx(d, 15), 'web', { status: 'under_maintenance' });
    // No window runs: the restoration names it as under maintenance, not "Scheduled maintenance is still under way".
    expect(stillUnderWay(d, one, fc(20).now.toISOString())).toBe('hand');
    expect(blankUpdate(fc(20), one, 'resolved').body).not.toContain('All services are operating normally');
    editComponent(ctx(d, 25), 'web', { status: 'operational' });
    expect(stillUnderWay(d, one, fc(30).now.toISOString())).toBeNull();
    expect(blankUpdate(fc(30), one, 'resolved').body).toContain('All services are operating normally.');
  });

  it("a status set by hand that an incident then gives too is the incident's from then: the resolved template says what its email will", () => {
    const d = db([component('api')]);
    const at = (min: number) => new Date(T0.getTime() + min * MIN).toISOString();
    editComponent(ctx(d, 5), 'api', { status: 'major_outage' });
    const inc = declareIncident(ctx(d, 10), {
      name: 'API down',
      severity: 'sev1',
      status: 'investigating',
      body: 'b',
      components: { api: 'major_outage' },
    });
    // Before: the hand-set period stayed open, so the console's template said other issues were open, and the
    // restoration email (the period ended by the resolution) that all services worked.
    expect(d.components[0]!.hand_set).toEqual([{ status: 'major_outage', from: at(5), to: at(10) }]);
    expect(blankUpdate({ db: d, timeZone: 'UTC', now: new Date(at(20)) }, inc, 'resolved').body).toContain(
      'All services are operating normally.',
    );
  });

  it('an update form re-grading a SEV-3 to SEV-1: the template takes the SEV-1 cadence, the email default follows, the dashboard too once published', () => {
    const d = db([component('api', 'operational', { name: 'Checkout API' })]);
    const fc = { db: d, timeZone: 'UTC', now: T0 };
    const inc = declareIncident(ctx(d), {
      name: 'Slow',
      severity: 'sev3',
      status: 'investigating',
      body: 'b',
      components: { api: 'degraded_performance' },
    });
    expect([notifyDefault(d, inc, 'identified'), notifyDefault(d, inc, 'identified', 'sev1')]).toEqual([false, true]);
    const form = new FormData();
    for (const [k, v] of Object.entries({ status: 'identified', severity: 'sev1', body: 'x', body_template: 'x', notify_shown: '0' }))
      form.set(k, v);
    const read = updateFromForm(form, fc, inc);
    expect(read.values).toMatchObject({ severity: 'sev1', notify: true });
    const action = read.action!;
    if (action.kind !== 'update') throw new Error(`expected an update, not ${action.kind}`);
    expect(action.input).toMatchObject({ severity: 'sev1' });
    expect(action.input.body).toContain('We will provide the next update within 30 minutes.');
    postUpdate(ctx(d, 10), inc.id, action.input);
    expect(activeIncidents(d, new Date(T0.getTime() + 41 * MIN)).map((r) => [r.overdue, r.dueAt])).toEqual([
      [true, new Date(T0.getTime() + 40 * MIN).toISOString()],
    ]);
  });

  it('a declare form without a severity is refused with the field named', () => {
    const d = db([component('api')]);
    const form = new FormData();
    form.set('name', 'Down');
    form.set('body', 'b');
    expect(declareFromForm(form, { db: d, timeZone: 'UTC', now: T0 }).errors.severity).toBe('Choose a severity.');
  });
});

describe('the notify box', () => {
  const f = (shown: string | null, ticked: boolean) => {
    const form = new FormData();
    if (shown !== null) form.set('notify_shown', shown);
    if (ticked) form.set('notify', '1');
    return form;
  };
  it('left as shown lets the runbook decide; changed by hand, the choice wins', () => {
    expect(notifyChoice(f('1', true))).toBeUndefined();
    expect(notifyChoice(f('0', false))).toBeUndefined();
    expect(notifyChoice(f('1', false))).toBe(false);
    expect(notifyChoice(f('0', true))).toBe(true);
  });
});

describe('what a delivery is, on the deliveries view', () => {
  it('names each message as its reader got it: a reminder and the already-subscribed note apart from their kinds', () => {
    const sub = { id: 'sub_1', confirms: 2 };
    expect(deliveryLabel(confirmationDelivery({ ...sub, state: 'pending' }, T0.toISOString()))).toBe('Confirmation');
    // Before: both read "confirm".
    expect(deliveryLabel(confirmationDelivery({ ...sub, state: 'confirmed' }, T0.toISOString()))).toBe('Already subscribed (manage link)');
    expect(noticeLabel('maintenance', reminderKey('MNT-1', '2026-12-04T10:00:00.000Z'))).toBe('Maintenance reminder');
    // As keyed before reminders named their start: outboxes keep such keys.
    expect(noticeLabel('maintenance', 'MNT-1:reminder')).toBe('Maintenance reminder');
    expect(noticeLabel('maintenance', 'upd_1')).toBe('Maintenance notice');
    expect(noticeLabel('disruption', 'INC-1:disruption')).toBe('Disruption notice');
    expect(noticeLabel('postmortem', 'INC-1:postmortem')).toBe('Postmortem');
  });
});

describe('session cookie', () => {
  it('is __Host- prefixed and Secure on an https site, plain on http; always HttpOnly, SameSite=Strict, Path=/', () => {
    const https = parseSetCookie(sessionSetCookie('https://status.example.com', 'tok'));
    expect(https).toEqual({
      name: '__Host-herald_session',
      value: 'tok',
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      maxAge: 86400,
      secure: true,
    });
    const http = parseSetCookie(sessionSetCookie('http://localhost:4321', 'tok'));
    expect(http).toEqual({ name: 'herald_session', value: 'tok', path: '/', httpOnly: true, sameSite: 'strict', maxAge: 86400 });
    expect(parseSetCookie(sessionSetCookie('http://localhost:4321', null)).maxAge).toBe(0);
    expect(sessionCookieName('https://status.example.com')).toBe('__Host-herald_session');
  });
});

describe('admin password', () => {
  it('is checked against an scrypt hash', async () => {
    const stored = hashPassword('correct horse');
    expect(await verifyPassword('correct horse', stored)).toBe(true);
    expect(await verifyPassword('correct horsE', stored)).toBe(false);
  });
});

describe('maintenance form times', () => {
  it('reads a wall-clock time in the page time zone, across DST', () => {
    expect(wallClockToIso('2026-11-30T02:00', 'UTC')).toEqual({ iso: '2026-11-30T02:00:00.000Z' });
    expect(wallClockToIso('2026-07-01T02:00', 'Europe/Paris')).toEqual({ iso: '2026-07-01T00:00:00.000Z' });
    expect(wallClockToIso('2026-12-01T02:00', 'Europe/Paris')).toEqual({ iso: '2026-12-01T01:00:00.000Z' });
    expect(wallClockToIso('2027-03-14T10:15', 'America/New_York')).toEqual({ iso: '2027-03-14T14:15:00.000Z' });
    expect(isoToWallClock('2026-07-01T00:00:00.000Z', 'Europe/Paris')).toBe('2026-07-01T02:00');
    expect(wallClockToIso('yesterday', 'UTC')).toEqual({ iso: null, message: null });
  });

  // Date.UTC rolls these over (30 Feb → 2 Mar, month 13 → next January): a form must not schedule a day nobody chose.
  it.each([
    '2027-02-30T10:00',
    '2027-02-31T11:00',
    '2027-02-29T10:00',
    '2027-04-31T10:00',
    '2027-00-00T99:99',
    '2027-13-45T00:00',
    '2027-01-01T24:00',
    '2027-01-01T23:60',
    '0099-01-01T10:00',
  ])('refuses %s, a day or time that does not exist, as unreadable', (value) => {
    expect(wallClockToIso(value, 'UTC')).toEqual({ iso: null, message: null });
    expect(wallClockToIso(value, 'America/New_York')).toEqual({ iso: null, message: null });
  });

  it("a fresh form proposes tomorrow at the next full hour of the page's clock, for two of its hours", () => {
    const at = (iso: string, tz: string) => proposedWindow(new Date(iso), tz);
    expect(at('2026-12-03T10:10:00Z', 'UTC')).toEqual({ from: '2026-12-04T11:00', until: '2026-12-04T13:00' });
    expect(at('2026-12-03T10:00:00Z', 'UTC')).toEqual({ from: '2026-12-04T10:00', until: '2026-12-04T12:00' });
    // Before: full hours of UTC (09:30 in Kolkata, 17:45 in Chatham) and 24 hours on (10:00 the day after a fall-back).
    expect(at('2026-12-03T03:40:00Z', 'Asia/Kolkata')).toEqual({ from: '2026-12-04T10:00', until: '2026-12-04T12:00' });
    expect(at('2026-12-03T03:40:00Z', 'Pacific/Chatham')).toEqual({ from: '2026-12-04T18:00', until: '2026-12-04T20:00' });
    expect(at('2026-10-24T08:10:00Z', 'Europe/Berlin')).toEqual({ from: '2026-10-25T11:00', until: '2026-10-25T13:00' });
    // 02:00 does not exist in Berlin on 29 Mar 2026: 03:00 is proposed, and its end read back in the zone.
    const gap = at('2026-03-28T00:30:00Z', 'Europe/Berlin');
    expect(gap).toEqual({ from: '2026-03-29T03:00', until: '2026-03-29T05:00' });
    expect(wallClockToIso(gap.from, 'Europe/Berlin')).toEqual({ iso: '2026-03-29T01:00:00.000Z' });
  });

  it('reads 29 Feb of a leap year', () => {
    expect(wallClockToIso('2028-02-29T10:00', 'UTC')).toEqual({ iso: '2028-02-29T10:00:00.000Z' });
  });

  it.each([
    ['2027-03-14T02:30', 'America/New_York', '2:30 does not exist on 14 Mar 2027 in America/New_York'],
    ['2027-03-14T02:00', 'America/New_York', '2:00 does not exist on 14 Mar 2027 in America/New_York'],
    ['2027-03-28T02:30', 'Europe/Berlin', '2:30 does not exist on 28 Mar 2027 in Europe/Berlin'],
    ['2027-10-03T02:15', 'Australia/Lord_Howe', '2:15 does not exist on 3 Oct 2027 in Australia/Lord_Howe'],
  ])('refuses %s in %s, skipped when clocks go forward, saying so', (value, zone, said) => {
    const r = wallClockToIso(value, zone);
    expect(r.iso).toBeNull();
    expect(r).toEqual({ iso: null, message: `${said}: clocks go forward; choose another time.` });
  });

  it('reads the first minute after a gap, and the last before it', () => {
    expect(wallClockToIso('2027-03-14T03:00', 'America/New_York')).toEqual({ iso: '2027-03-14T07:00:00.000Z' });
    expect(wallClockToIso('2027-03-14T01:59', 'America/New_York')).toEqual({ iso: '2027-03-14T06:59:00.000Z' });
    expect(wallClockToIso('2027-03-28T03:00', 'Europe/Berlin')).toEqual({ iso: '2027-03-28T01:00:00.000Z' });
    // Lord Howe moves half an hour: 2:30 exists, 2:29 does not.
    expect(wallClockToIso('2027-10-03T02:30', 'Australia/Lord_Howe')).toEqual({ iso: '2027-10-02T15:30:00.000Z' });
    expect(wallClockToIso('2027-10-03T02:29', 'Australia/Lord_Howe').iso).toBeNull();
  });

  it.each([
    ['2027-11-07T01:30', 'America/New_York', '2027-11-07T05:30:00.000Z'],
    ['2027-10-31T02:30', 'Europe/Berlin', '2027-10-31T00:30:00.000Z'],
    ['2027-04-04T01:45', 'Australia/Lord_Howe', '2027-04-03T14:45:00.000Z'],
  ])('reads %s in %s, repeated when clocks go back, as its first occurrence', (value, zone, iso) => {
    const r = wallClockToIso(value, zone);
    expect(r).toEqual({ iso });
    expect(isoToWallClock(iso, zone)).toBe(value);
  });
});

describe('settings errors in the table’s words', () => {
  it('names a level’s field as its column, and leaves what was typed (quoted) as typed', () => {
    expect(levelMessage('update_every_minutes must be a number of minutes or null')).toBe(
      '“Update every (min)” must be a number of minutes, or left empty',
    );
    expect(levelMessage('id "x-label-y" is used twice')).toBe('“Id” "x-label-y" is used twice');
  });
});
