import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE, outboxSettled, subscribeAndConfirm, to } from '../helpers/mail-flow.ts';
import { scheduleWindow, windowOf as windowOfApi } from '../helpers/maintenance.ts';
import { all, byId, describedBy, dom, fieldsOf, textOf, type Doc } from '../helpers/dom.ts';
import { until } from '../helpers/poll.ts';
import { formatDateTime } from '../../src/domain/time-text.ts';

/**
 * Moving a maintenance window from its console page, as the admin API's reschedule does: a Comms
 * Lead whose work slips a day, or runs over, had no way to say so but the API. The page's zone is
 * not UTC (and has no DST, so the test reads the same on any day), and the form's times are read in it. A refused move (and a refused step) answers with the
 * window's forms again, as typed, the error by its field: not a bare line of text.
 */
const TZ = 'Asia/Kolkata';
const OFFSET_MS = 5.5 * 3600_000; // IST, all year
let h: HeraldProcess;
let smtp: TestSmtp;
let s: ConsoleSession;

beforeAll(async () => {
  smtp = await startSmtp();
  h = await startHerald({ env: { SITE_TIMEZONE: TZ, SMTP_URL: smtp.url, SITE_URL: SITE, MAINTENANCE_REMINDER_MINUTES: '0' } });
  expect((await h.admin('/components', { body: { id: 'api', name: 'API' } })).status).toBe(201);
  await subscribeAndConfirm(h, smtp, 'ana@example.com', ['api']);
  s = await signIn(h);
}, 60_000);
afterAll(() => stopAll(h, smtp));

const page = async (path: string): Promise<Doc> => dom(await (await fetch(`${h.url}${path}`, { headers: { cookie: s.cookie } })).text());
const windowOf = (id: string) => windowOfApi(h, id);
/** A window through the API, `inDays` from now, an hour long, on whole minutes. */
const schedule = (name: string, inDays = 2) => scheduleWindow(h, name, inDays);
/** The "Move the window" form of a page: its hidden fields and the values its inputs show. */
const moveForm = (doc: Doc) => {
  const section = all(doc, (e) => e.attribs['aria-labelledby'] === 'move-title')[0];
  if (!section) return null;
  const form = all(section, (e) => e.name === 'form')[0]!;
  const value = (name: string) => all(form, (e) => e.attribs.name === name)[0];
  return {
    section,
    hidden: fieldsOf(form),
    from: value('from')?.attribs.value,
    until: value('until')?.attribs.value,
    body: value('body') ? textOf(value('body')!) : undefined,
  };
};
/** An instant as the form writes it in the page's zone ("2026-12-20T10:00"). */
const wallOf = (ms: number) => new Date(ms + OFFSET_MS).toISOString().slice(0, 16);
/** The form's time `days` from today at `hhmm` in the page's zone; `ist` is the instant it means. */
const wall = (days: number, hhmm: string) => `${wallOf(Date.now() + days * 86_400_000).slice(0, 10)}T${hhmm}`;
const ist = (form: string) => new Date(`${form}:00+05:30`).toISOString();

describe('moving a window from its console page', () => {
  it("shows the window's times in the page's zone; a move sets both ends, raises the sequence, says so and emails when asked", async () => {
    const id = await schedule('Database upgrade');
    const before = await windowOf(id);
    const shown = moveForm(await page(`/admin/incidents/${id}`))!;
    expect(shown, 'a "Move the window" form on a scheduled window').not.toBeNull();
    expect(shown.from).toBe(wallOf(Date.parse(before.scheduled_for)));
    expect(shown.hidden.step).toBe('move');
    const res = await s.post(`/admin/maintenance/${id}`, {
      ...shown.hidden,
      from: wall(17, '10:00'),
      until: wall(17, '12:30'),
      body: 'Moved to the 20th: the vendor needs another week.',
      notify: '1',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/admin/incidents/${id}?done=move`);
    const after = await windowOf(id);
    expect(after).toMatchObject({
      status: 'scheduled',
      scheduled_for: ist(wall(17, '10:00')),
      scheduled_until: ist(wall(17, '12:30')),
      sequence: 1,
    });
    const flash = all(await page(res.headers.get('location')!), (e) => e.attribs.role === 'status').map(textOf);
    expect(flash).toEqual(['Window moved. The page shows the new times (subscribed calendars at their next refresh).']);
    await outboxSettled(h);
    const mails = await Promise.all(to(smtp, 'ana@example.com').map((r) => smtp.parse(r)));
    const moved = mails.filter((m) => m.text?.includes('the vendor needs another week'));
    expect(moved, 'one email with the note').toHaveLength(1);
  });

  it("the schedule form's hint says who gets a reminder (none here: MAINTENANCE_REMINDER_MINUTES is 0)", async () => {
    const text = textOf(all(await page('/admin/maintenance'), (e) => e.attribs['aria-labelledby'] === 'new-title')[0]!);
    expect(text).toContain('No reminder goes out before the start');
    expect(text).not.toContain('either way');
  });

  it('posted twice (a double click) moves the window once', async () => {
    const id = await schedule('Cache swap');
    const shown = moveForm(await page(`/admin/incidents/${id}`))!;
    const fields = { ...shown.hidden, from: wall(18, '09:00'), until: wall(18, '10:00') };
    const [a, b] = await Promise.all([1, 2].map(() => s.post(`/admin/maintenance/${id}`, fields)));
    expect([a!.status, b!.status]).toEqual([303, 303]);
    expect((await windowOf(id)).sequence).toBe(1);
  });

  it('once started, only the end moves: the form offers no start, and an extension keeps the start', async () => {
    const id = await schedule('Index rebuild');
    expect((await h.admin(`/maintenances/${id}/start`, { body: {} })).status).toBe(201);
    const started = await windowOf(id);
    const shown = moveForm(await page(`/admin/incidents/${id}`))!;
    expect(shown.from, 'no start field once started').toBeUndefined();
    expect(textOf(shown.section)).toContain('only its end can move');
    const res = await s.post(`/admin/maintenance/${id}`, { ...shown.hidden, until: wall(19, '18:00') });
    expect(res.status).toBe(303);
    expect(await windowOf(id)).toMatchObject({
      status: 'in_progress',
      scheduled_for: started.scheduled_for,
      scheduled_until: ist(wall(19, '18:00')),
    });
  });

  it('a move refused (an end before the start, or no change) comes back as typed, the error by its field; nothing moves', async () => {
    const id = await schedule('Router swap');
    const shown = moveForm(await page(`/admin/incidents/${id}`))!;
    const res = await s.post(`/admin/maintenance/${id}`, {
      ...shown.hidden,
      from: wall(20, '10:00'),
      until: wall(20, '09:00'),
      body: 'Kept as typed.',
    });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('text/html');
    const doc = dom(await res.text());
    const again = moveForm(doc)!;
    expect(again).toMatchObject({ from: wall(20, '10:00'), until: wall(20, '09:00'), body: 'Kept as typed.' });
    expect(again.hidden.once, 'the same one-time key').toBe(shown.hidden.once);
    const until = byId(doc, 'move-until')!;
    expect(until.attribs['aria-invalid']).toBe('true');
    expect(describedBy(doc, until).map((e) => e && textOf(e))).toContain('The end must be after the start.');
    expect(all(doc, (e) => e.name === 'a' && e.attribs.href === '#move-until').map(textOf)).toEqual([
      'Ends: The end must be after the start.',
    ]);
    expect((await windowOf(id)).sequence).toBe(0);

    const unchanged = await s.post(`/admin/maintenance/${id}`, shown.hidden);
    expect(unchanged.status).toBe(422);
    expect(textOf(byId(dom(await unchanged.text()), 'move-from-error')!)).toBe(
      'Change the start or the end: the window already has these times.',
    );
  });

  it('a move from a tab opened before the window was moved elsewhere, or started, is refused (409); nothing moves', async () => {
    const id = await schedule('Switch firmware');
    const stale = moveForm(await page(`/admin/incidents/${id}`))!;
    const later = Date.now() + 5 * 86_400_000;
    const moved = { scheduled_for: new Date(later).toISOString(), scheduled_until: new Date(later + 3600_000).toISOString() };
    expect((await h.admin(`/maintenances/${id}/reschedule`, { body: moved })).status).toBe(200);
    const res = await s.post(`/admin/maintenance/${id}`, { ...stale.hidden, from: stale.from!, until: wall(6, '23:00') });
    expect(res.status).toBe(409);
    const doc = dom(await res.text());
    expect(textOf(all(doc, (e) => e.attribs.role === 'alert')[0]!)).toContain(
      'The window was moved since you opened this form, so it was not moved. Check the times below.',
    );
    expect(await windowOf(id)).toMatchObject({ ...moved, sequence: 1 });
    // The form shown again is read from the window as it is now: sent again, it moves it.
    const again = moveForm(doc)!;
    expect(again.until).toBe(wall(6, '23:00'));
    expect((await s.post(`/admin/maintenance/${id}`, { ...again.hidden, from: again.from!, until: again.until! })).status).toBe(303);
    expect((await windowOf(id)).scheduled_until).toBe(ist(wall(6, '23:00')));

    const other = await schedule('Disk firmware');
    const before = moveForm(await page(`/admin/incidents/${other}`))!;
    expect((await h.admin(`/maintenances/${other}/start`, { body: {} })).status).toBe(201);
    const postponed = await s.post(`/admin/maintenance/${other}`, { ...before.hidden, from: wall(7, '10:00'), until: wall(7, '11:00') });
    expect(postponed.status).toBe(409);
    expect(textOf(all(dom(await postponed.text()), (e) => e.attribs.role === 'alert')[0]!)).toContain(
      'The window has started since you opened this form',
    );
    expect((await windowOf(other)).sequence).toBe(0);
  });

  it('a step refused because the window moved on meanwhile (a stale tab) answers a console page that keeps the note', async () => {
    const id = await schedule('Disk swap');
    const stale = await page(`/admin/incidents/${id}`);
    const stepForm = all(all(stale, (e) => e.attribs['aria-labelledby'] === 'steps-title')[0]!, (e) => e.name === 'form')[0]!;
    expect((await h.admin(`/maintenances/${id}/start`, { body: {} })).status).toBe(201);
    const res = await s.post(`/admin/maintenance/${id}`, { ...fieldsOf(stepForm), step: 'cancel', confirm: '1', body: 'Called off.' });
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toContain('text/html');
    const doc = dom(await res.text());
    // What happened, in plain words (who started it, and when), not the rule the verb checked.
    expect(textOf(all(doc, (e) => e.attribs.role === 'alert')[0]!)).toMatch(
      /^The window was already started at \d+ \w+ \d{4}, \d\d:\d\d IST through the API\. Nothing was changed\./,
    );
    expect(textOf(byId(doc, 'step-body')!)).toBe('Called off.');
    expect(all(doc, (e) => e.name === 'a' && e.attribs.href === `/admin/incidents/${id}`).map(textOf)).toContain('Back to the window');
    expect((await windowOf(id)).status).toBe('in_progress');
  });
});

describe('a step refused because the window moved on keeps what was typed, and offers it as a note', () => {
  /** The form of the card titled `titleId` on a page. */
  const formIn = (doc: Doc, titleId: string) =>
    all(all(doc, (e) => e.attribs['aria-labelledby'] === titleId)[0] ?? doc, (e) => e.name === 'form')[0];
  const alertOf = (doc: Doc) => textOf(all(doc, (e) => e.attribs.role === 'alert')[0]!);

  it('Complete on a window the timer completed meanwhile says so, and posts the typed text as a note, emailed as ticked, once', async () => {
    // Ends 3 s from now on its own (the timer), started by hand now.
    const res = await h.admin('/maintenances', {
      body: {
        name: 'Index rebuild',
        scheduled_for: new Date(Date.now() + 1_000).toISOString(),
        scheduled_until: new Date(Date.now() + 3_000).toISOString(),
        components: ['api'],
      },
    });
    const id = ((await res.json()) as { id: string }).id;
    expect((await h.admin(`/maintenances/${id}/start`, { body: {} })).status).toBe(201);
    const stale = formIn(await page(`/admin/incidents/${id}`), 'steps-title')!;
    await until(async () => (await windowOf(id)).status === 'completed', 'the timer completing the window', 10_000);
    const typed = 'Rolled back the index change; search is back to normal.';
    const refused = await s.post(`/admin/maintenance/${id}`, { ...fieldsOf(stale), step: 'complete', body: typed, notify: '1' });
    expect(refused.status).toBe(409);
    const doc = dom(await refused.text());
    const ended = (await windowOf(id)).scheduled_until;
    expect(alertOf(doc)).toBe(
      `The window was already completed at ${formatDateTime(ended, TZ)} by the timer. Nothing was changed. What you typed is below: post it as a note, or copy it.`,
    );
    const noteForm = formIn(doc, 'note-title')!;
    expect(textOf(byId(noteForm, 'note-body')!)).toBe(typed);
    expect(all(noteForm, (e) => e.attribs.name === 'notify')[0]!.attribs.checked).toBeDefined();
    const fields = { ...fieldsOf(noteForm), body: typed, notify: '1' };
    expect(fieldsOf(noteForm).step).toBe('note');
    const posted = await s.post(`/admin/maintenance/${id}`, fields);
    expect(posted.status).toBe(303);
    expect(posted.headers.get('location')).toBe(`/admin/incidents/${id}?done=note`);
    // Posted twice (a double click): one note.
    expect((await s.post(`/admin/maintenance/${id}`, fields)).headers.get('location')).toBe(`/admin/incidents/${id}?done=note`);
    const flash = all(await page(posted.headers.get('location')!), (e) => e.attribs.role === 'status').map(textOf);
    expect(flash).toEqual(['Note posted.']);
    const after = (await (await h.admin(`/maintenances/${id}`)).json()) as { status: string; incident_updates: Array<{ body: string }> };
    expect(after.status).toBe('completed');
    expect(after.incident_updates.filter((u) => u.body === typed)).toHaveLength(1);
    await outboxSettled(h);
    const mails = await Promise.all(to(smtp, 'ana@example.com').map((r) => smtp.parse(r)));
    const notes = mails.filter((m) => m.subject?.endsWith('Maintenance update: Index rebuild'));
    expect(notes).toHaveLength(1);
    expect(notes[0]!.text).toContain(typed);
  });

  it('Start on a window another tab cancelled names who cancelled it and when, and keeps the note', async () => {
    const id = await schedule('Cache flush');
    const stale = formIn(await page(`/admin/incidents/${id}`), 'steps-title')!;
    const lee = await signIn(h, 'Lee');
    expect((await lee.post(`/admin/maintenance/${id}`, { step: 'cancel', confirm: '1' })).status).toBe(303);
    const refused = await s.post(`/admin/maintenance/${id}`, { ...fieldsOf(stale), step: 'start', body: 'Flushing now.' });
    expect(refused.status).toBe(409);
    const doc = dom(await refused.text());
    const cancelledAt = ((await (await h.admin(`/maintenances/${id}`)).json()) as { cancelled_at: string }).cancelled_at;
    expect(alertOf(doc)).toBe(
      `The window was already cancelled at ${formatDateTime(cancelledAt, TZ)} by Lee. Nothing was changed. What you typed is below: post it as a note, or copy it.`,
    );
    const noteForm = formIn(doc, 'note-title')!;
    expect(textOf(byId(noteForm, 'note-body')!)).toBe('Flushing now.');
    expect(all(noteForm, (e) => e.attribs.name === 'notify')[0]!.attribs.checked).toBeUndefined();
    expect((await windowOf(id)).status).toBe('completed');
    // Emptied and posted: refused by its field, the form shown again.
    const empty = await s.post(`/admin/maintenance/${id}`, { ...fieldsOf(noteForm), body: ' ' });
    expect(empty.status).toBe(422);
    const again = dom(await empty.text());
    const box = byId(again, 'note-body')!;
    expect(describedBy(again, box).map((e) => e && textOf(e))).toContain('Write the note.');
    expect(box.attribs['aria-invalid']).toBe('true');
  });
});

describe("what the console and the page say of a window's times", () => {
  const meta = async (path: string) => textOf(all(await page(path), (e) => e.name === 'p' && e.attribs.class === 'muted')[0]!);
  const windowLine = async (path: string) => {
    const html = await (await fetch(`${h.url}${path}`)).text();
    return textOf(all(dom(html), (e) => e.attribs.class === 'maintenance-window')[0]!);
  };

  it('a window started early reads as started then, in the console and on the page (not its planned start hours ahead)', async () => {
    const id = await schedule('Early start', 1);
    expect(await meta(`/admin/incidents/${id}`)).toMatch(/^Maintenance Scheduled · \d+ \w+ \d{4}, \d\d:\d\d IST to .+ IST$/);
    expect((await h.admin(`/maintenances/${id}/start`, { body: {} })).status).toBe(201);
    const started = (await (await h.admin(`/maintenances/${id}`)).json()) as { started_at: string; scheduled_for: string };
    expect(Date.parse(started.started_at)).toBeLessThan(Date.parse(started.scheduled_for));
    const startedText = new Intl.DateTimeFormat('en-GB', { timeZone: TZ, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
      new Date(started.started_at),
    );
    expect(await meta(`/admin/incidents/${id}`)).toMatch(
      new RegExp(`^Maintenance In progress · started .*${startedText} IST, scheduled to end .+ IST$`),
    );
    expect(await windowLine('/maintenance')).toMatch(new RegExp(`^Started .*${startedText} IST, scheduled to end .+ IST$`));
    expect((await h.admin(`/maintenances/${id}/complete`, { body: {} })).status).toBe(201);
    expect(await meta(`/admin/incidents/${id}`)).toMatch(
      new RegExp(`^Maintenance Completed · carried out .*${startedText} IST to .+ IST$`),
    );
  });

  it('a cancelled window reads as cancelled in the console, with the times it was scheduled for', async () => {
    const id = await schedule('Called off', 3);
    expect((await h.admin(`/maintenances/${id}/cancel`, { body: {} })).status).toBeLessThan(300);
    expect(await meta(`/admin/incidents/${id}`)).toMatch(/^Maintenance Cancelled · was scheduled .+ IST to .+ IST$/);
    const listed = all(await page('/admin/maintenance'), (e) => e.name === 'li' && textOf(e).startsWith('Called off'));
    expect(textOf(listed[0]!)).toMatch(/^Called off ?Cancelled ?was scheduled /);
  });
});

describe('a note on a window from its console page, its status left as it is', () => {
  /** The "Post a note" form of a page, or undefined. */
  const noteForm = (doc: Doc) => {
    const section = all(doc, (e) => e.attribs['aria-labelledby'] === 'note-title')[0];
    return section && all(section, (e) => e.name === 'form')[0];
  };
  const notesTo = async (name: string) =>
    (await Promise.all(to(smtp, 'ana@example.com').map((r) => smtp.parse(r)))).filter((m) =>
      m.subject?.endsWith(`Maintenance update: ${name}`),
    );

  it('is offered on a scheduled, a running and a completed window; posted, it keeps the status, shows on the page, emails as ticked, once', async () => {
    const id = await schedule('Shard migration');
    const scheduled = noteForm(await page(`/admin/incidents/${id}`));
    expect(scheduled, 'a "Post a note" form on a scheduled window').toBeDefined();
    expect(fieldsOf(scheduled!)).toMatchObject({ step: 'note', csrf: s.csrf });
    expect(textOf(all(await page(`/admin/incidents/${id}`), (e) => e.attribs.id === 'note-title')[0]!)).toBe('Post a note');

    expect((await h.admin(`/maintenances/${id}/start`, { body: {} })).status).toBe(201);
    const running = noteForm(await page(`/admin/incidents/${id}`));
    expect(running, 'a "Post a note" form on a running window').toBeDefined();
    const progress = '50 % of the databases are migrated.';
    const fields = { ...fieldsOf(running!), body: progress, notify: '1' };
    const posted = await s.post(`/admin/maintenance/${id}`, fields);
    expect(posted.status).toBe(303);
    expect(posted.headers.get('location')).toBe(`/admin/incidents/${id}?done=note`);
    // Posted twice (a double click): one note.
    expect((await s.post(`/admin/maintenance/${id}`, fields)).headers.get('location')).toBe(`/admin/incidents/${id}?done=note`);
    const after = (await (await h.admin(`/maintenances/${id}`)).json()) as { status: string; incident_updates: Array<{ body: string }> };
    expect(after.status).toBe('in_progress');
    expect(after.incident_updates.filter((u) => u.body === progress)).toHaveLength(1);
    expect(await (await fetch(`${h.url}/incidents/${id}`)).text()).toContain(progress);
    await outboxSettled(h);
    const emailed = await notesTo('Shard migration');
    expect(emailed).toHaveLength(1);
    expect(emailed[0]!.text).toContain(progress);

    expect((await h.admin(`/maintenances/${id}/complete`, { body: {} })).status).toBe(201);
    const completed = noteForm(await page(`/admin/incidents/${id}`));
    expect(completed, 'a "Post a note" form on a completed window (a follow-up)').toBeDefined();
    const followUp = 'All shards verified overnight.';
    expect((await s.post(`/admin/maintenance/${id}`, { ...fieldsOf(completed!), body: followUp })).status).toBe(303);
    expect((await windowOf(id)).status).toBe('completed');
    expect(await (await fetch(`${h.url}/incidents/${id}`)).text()).toContain(followUp);
    // "Email subscribers" left unticked: nobody emailed of the follow-up.
    await outboxSettled(h);
    expect(await notesTo('Shard migration')).toHaveLength(1);
  });
});
