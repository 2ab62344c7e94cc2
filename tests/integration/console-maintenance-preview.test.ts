import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, tempDataDir, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE, outboxSettled } from '../helpers/mail-flow.ts';
import { until } from '../helpers/poll.ts';
import { storedText } from '../helpers/engine.ts';
import { all, byId, byName, dom, submitted, textOf, type Doc } from '../helpers/dom.ts';
import { DomUtils } from 'htmlparser2';
import { seedSubscribers } from '../fixtures/subscribers.ts';

/**
 * The schedule form's Preview: the window as the page shows it and, with "Email subscribers now" ticked, the
 * email as the outbox sends it, nothing saved; "Publish now" schedules it once; "Back to edit" keeps what was typed.
 */
let h: HeraldProcess;
let smtp: TestSmtp;
let s: ConsoleSession;
const dataDir = tempDataDir();

beforeAll(async () => {
  smtp = await startSmtp();
  seedSubscribers(dataDir, [
    { email: 'db-one@example.com', components: ['db'] },
    { email: 'db-two@example.com', components: ['db'] },
    { email: 'web-only@example.com', components: ['web'] },
  ]);
  h = await startHerald({ dataDir, env: { SMTP_URL: smtp.url, SITE_URL: SITE, MAINTENANCE_REMINDER_MINUTES: '0' } });
  for (const [id, name] of [
    ['db', 'Database'],
    ['web', 'Website'],
  ])
    expect((await h.admin('/components', { body: { id, name } })).status).toBe(201);
  s = await signIn(h);
});
afterAll(() => stopAll(h, smtp, dataDir));

/** A datetime-local value `hours` from now (the page's zone is UTC here). */
const wall = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString().slice(0, 16);
const windows = async () =>
  ((await (await h.admin('/maintenances')).json()) as { scheduled_maintenances: unknown[] }).scheduled_maintenances.length;
const form = (fields: Record<string, string>) => ({
  name: 'Database upgrade',
  from: wall(24),
  until: wall(26),
  components: 'db',
  body: '',
  body_template: '',
  auto: '1',
  once: `key-${Math.random().toString(36).slice(2)}-0123456789`,
  ...fields,
});
const scheduleForm = (page: Doc) => all(page, (e) => e.name === 'form' && e.attribs['data-keep'] === 'schedule')[0]!;
/** The text part with each subscriber's own links as the preview shows them. */
const samePlaceholders = (text: string) =>
  text
    .replace(/\r\n/g, '\n')
    .replace(/\/unsubscribe\/\S+/g, '/unsubscribe/PREVIEW')
    .replace(/\/subscribe\/manage\/\S+/g, '/subscribe/manage/PREVIEW')
    .trim();

describe('console: previewing a maintenance window', () => {
  it('shows the window and the email as sent, saves nothing; "Publish now" twice schedules one window that sends that email', async () => {
    const before = await storedText(h);
    const fields = form({ notify: '1' });
    const res = await s.post('/admin/maintenance/preview', fields);
    expect(res.status).toBe(200);
    const page = dom(await res.text());
    // Nothing saved by the preview.
    expect(await storedText(h)).toBe(before);
    expect(await windows()).toBe(0);
    const card = textOf(byId(page, 'page-preview')!);
    expect(card).toContain('Database upgrade');
    expect(card).toContain('Affects: Database');
    expect(card).toMatch(/Scheduled for .+ to .+ \(2 h\)/);
    // Not a link to a page that does not exist yet.
    expect(all(byId(page, 'page-preview')!, (e) => e.name === 'a')).toEqual([]);
    // The fan-out's own count: the two who follow the database, not the website's.
    expect(textOf(byId(page, 'email-summary')!)).toBe('2 subscribers will be emailed (maintenance notice)');
    const subject = textOf(byId(page, 'email-subject')!);
    const text = DomUtils.textContent(byId(page, 'email-text')!);
    expect(subject).toMatch(/\] Scheduled maintenance: Database upgrade$/);
    expect(text).toContain('We have scheduled maintenance, “Database upgrade”, on Database.');
    const draft = byName(page, 'draft')!.attribs.value!;
    // The HTML part in the sandboxed frame, served from the draft.
    const frame = all(page, (e) => e.name === 'iframe')[0]!;
    expect(frame.attribs.sandbox).toBe('allow-same-origin');
    const html = await fetch(`${h.url}${frame.attribs.src}`, { headers: { cookie: s.cookie } });
    expect(html.status).toBe(200);
    expect(await html.text()).toContain('Database upgrade');

    // A double click: both land on the one window.
    const [a, b] = await Promise.all([0, 1].map(() => s.post('/admin/publish', { draft, of: 'maintenance' })));
    expect([a!.status, b!.status]).toEqual([303, 303]);
    expect(a!.headers.get('location')).toMatch(/^\/admin\/incidents\/MNT-[\d-]+\?done=1$/);
    expect(b!.headers.get('location')).toBe(a!.headers.get('location'));
    const id = /MNT-[\d-]+/.exec(a!.headers.get('location')!)![0];
    expect(await windows()).toBe(1);

    // What the previewed email said is what the subscribers received.
    await until(() => smtp.received.length === 2, 'the notice to both database subscribers');
    await outboxSettled(h);
    const sent = await Promise.all(smtp.received.map((r) => smtp.parse(r)));
    expect(smtp.received.map((r) => r.to.join()).sort()).toEqual(['db-one@example.com', 'db-two@example.com']);
    for (const mail of sent) {
      expect(mail.subject).toBe(subject);
      expect(samePlaceholders(mail.text ?? '')).toBe(samePlaceholders(text));
    }

    // The same form again: previewed, it says it was published already and offers no publish; submitted, it
    // leads to the same window; the resent publish does nothing more.
    const again = dom(await (await s.post('/admin/maintenance/preview', fields)).text());
    expect(textOf(byId(again, 'published-as')!)).toContain(`This form was published already: ${id}.`);
    expect(byName(again, 'draft')).toBeUndefined();
    const submit = await s.post('/admin/maintenance', fields);
    expect(submit.headers.get('location')).toBe(`/admin/incidents/${id}?done=1`);
    expect((await s.post('/admin/publish', { draft, of: 'maintenance' })).headers.get('location')).toBe(a!.headers.get('location'));
    expect(await windows()).toBe(1);
    await outboxSettled(h);
    expect(smtp.received).toHaveLength(2);
  });

  it('without "Email subscribers now" says no email is sent; "Back to edit" keeps everything typed, and publishes once', async () => {
    const fields = form({
      name: 'Website move',
      components: 'web',
      body: 'We move the website to new servers.',
      from: wall(48),
      until: wall(49),
    });
    const res = await s.post('/admin/maintenance/preview', fields);
    expect(res.status).toBe(200);
    const page = dom(await res.text());
    expect(textOf(byId(page, 'email-summary')!)).toBe('No email will be sent (“Email subscribers now” is not ticked)');
    expect(textOf(byId(page, 'email')!)).toContain(
      'No email will be sent (“Email subscribers now” is not ticked). To send one, go back to edit and tick it.',
    );
    expect(byId(page, 'email-text')).toBeUndefined();
    expect(textOf(byId(page, 'page-preview')!)).toContain('We move the website to new servers.');
    const back = all(page, (e) => e.name === 'a' && textOf(e) === 'Back to edit')[0]!.attribs.href!;
    const edit = dom(await (await fetch(`${h.url}${back}`, { headers: { cookie: s.cookie } })).text());
    const kept = Object.fromEntries(submitted(scheduleForm(edit)));
    expect(kept).toMatchObject({
      name: 'Website move',
      from: fields.from,
      until: fields.until,
      components: 'web',
      body: 'We move the website to new servers.',
      auto: '1',
      once: fields.once,
    });
    expect(kept.notify).toBeUndefined();
    // Previewed again from the form "Back to edit" drew, then published: one window.
    const second = dom(await (await s.post('/admin/maintenance/preview', kept)).text());
    const draft = byName(second, 'draft')!.attribs.value!;
    const before = await windows();
    const published = await s.post('/admin/publish', { draft, of: 'maintenance' });
    expect(published.status).toBe(303);
    expect(await windows()).toBe(before + 1);
    // Its first draft, published too, finds the same window.
    const first = byName(page, 'draft')!.attribs.value!;
    expect((await s.post('/admin/publish', { draft: first, of: 'maintenance' })).headers.get('location')).toBe(
      published.headers.get('location'),
    );
    expect(await windows()).toBe(before + 1);
  });

  it('a window scheduled between the preview and "Publish now" takes the reference the preview gave: the publish says which it got', async () => {
    const fields = form({ name: 'Cache flush', from: wall(96), until: wall(97) });
    const page = dom(await (await s.post('/admin/maintenance/preview', fields)).text());
    const previewed = textOf(byId(page, 'window-ref')!);
    const draft = byName(page, 'draft')!.attribs.value!;
    // Another window the same day, through the API, takes that reference first.
    const other = await h.admin('/maintenances', {
      body: {
        name: 'Other',
        scheduled_for: new Date(Date.now() + 96 * 3_600_000).toISOString(),
        scheduled_until: new Date(Date.now() + 97 * 3_600_000).toISOString(),
        components: ['web'],
      },
    });
    const taken = ((await other.json()) as { id: string }).id;
    const res = await s.post('/admin/publish', { draft, of: 'maintenance' });
    const location = res.headers.get('location')!;
    const id = /MNT-[\d-]+/.exec(location)![0];
    expect(id).not.toBe(taken);
    expect(location).toBe(`/admin/incidents/${id}?done=1&named=${taken}`);
    expect(previewed).toBe(taken);
    const flash = await (await fetch(`${h.url}${location}`, { headers: { cookie: s.cookie } })).text();
    expect(DomUtils.textContent(dom(flash)).replace(/\s+/g, ' ')).toContain(
      `Maintenance scheduled. Its reference is ${id}: ${taken}, which the preview named, was taken by a window scheduled meanwhile; its emails say ${id}.`,
    );
  });

  it('refuses at preview as at submit, with the errors by their fields, saving nothing', async () => {
    const before = await storedText(h);
    // Refused by the schema (no name), then by the verb (an end before the start).
    for (const [fields, field] of [
      [form({ name: '', notify: '1' }), 'm-name-error'],
      [form({ from: wall(30), until: wall(29), notify: '1' }), 'm-until-error'],
    ] as const) {
      const [previewed, posted] = await Promise.all([s.post('/admin/maintenance/preview', fields), s.post('/admin/maintenance', fields)]);
      expect([previewed.status, posted.status]).toEqual([422, 422]);
      const errors = async (r: Response) =>
        all(dom(await r.text()), (e) => e.name === 'p' && e.attribs.class === 'error').map((e) => [e.attribs.id, textOf(e)]);
      const shown = await errors(previewed);
      expect(shown).toEqual(await errors(posted));
      expect(shown.map(([id]) => id)).toEqual([field]);
    }
    expect(await storedText(h)).toBe(before);
  });
});

describe("console: previewing a window's note", () => {
  it('shows the note and its email as sent, posts nothing; "Publish now" twice posts it once, the email as previewed', async () => {
    const scheduled = await h.admin('/maintenances', {
      body: {
        name: 'Replica resync',
        scheduled_for: new Date(Date.now() + 3_600_000).toISOString(),
        scheduled_until: new Date(Date.now() + 7_200_000).toISOString(),
        components: ['db'],
        body: 'Resyncing replicas.',
      },
    });
    const { id } = (await scheduled.json()) as { id: string };
    const updates = async () => JSON.parse(await storedText(h)).maintenances.find((m: { id: string }) => m.id === id).updates.length;
    const path = `/admin/maintenance/note-preview?window=${id}`;
    // The note form as the window's page draws it, with its Preview.
    const windowPage = dom(await (await fetch(`${h.url}/admin/incidents/${id}`, { headers: { cookie: s.cookie } })).text());
    const noteForm = all(windowPage, (e) => e.name === 'form' && e.attribs['data-keep'] === 'note')[0]!;
    expect(byId(noteForm, 'note-preview')!.attribs.formaction).toBe(`${path}&from=${encodeURIComponent(`/admin/incidents/${id}`)}`);
    const fields: Record<string, string> = {
      ...Object.fromEntries(submitted(noteForm)),
      body: 'Half the replicas are done; all is well.',
      notify: '1',
    };

    // Refused as its submit is.
    const [empty, emptyPosted] = await Promise.all([
      s.post(path, { ...fields, body: ' ' }),
      s.post(`/admin/maintenance/${id}`, { ...fields, body: ' ' }),
    ]);
    expect([empty.status, emptyPosted.status]).toEqual([422, 422]);
    expect(textOf(byId(dom(await empty.text()), 'note-body-error')!)).toBe('Write the note.');

    const before = await storedText(h);
    const res = await s.post(path, fields);
    expect(res.status).toBe(200);
    const page = dom(await res.text());
    expect(await storedText(h)).toBe(before);
    expect(textOf(byId(page, 'page-preview')!)).toContain('Half the replicas are done; all is well.');
    expect(textOf(byId(page, 'email-summary')!)).toBe('2 subscribers will be emailed (maintenance notice)');
    const subject = textOf(byId(page, 'email-subject')!);
    const text = DomUtils.textContent(byId(page, 'email-text')!);
    expect(subject).toMatch(/\] Maintenance update: Replica resync$/);
    expect(text).toContain('Half the replicas are done; all is well.');

    // "Back to edit" draws the note form as sent.
    const back = all(page, (e) => e.name === 'a' && textOf(e) === 'Back to edit')[0]!.attribs.href!;
    expect(back).toMatch(new RegExp(`^/admin/incidents/${id}\\?draft=[^#]+#note-title$`));
    const edit = dom(await (await fetch(`${h.url}${back}`, { headers: { cookie: s.cookie } })).text());
    const kept = Object.fromEntries(submitted(all(edit, (e) => e.name === 'form' && e.attribs['data-keep'] === 'note')[0]!));
    expect(kept).toMatchObject({ body: fields.body, notify: '1', once: fields.once });

    const sentBefore = smtp.received.length;
    const draft = byName(page, 'draft')!.attribs.value!;
    const [a, b] = await Promise.all([0, 1].map(() => s.post('/admin/publish', { draft, of: 'maintenance' })));
    expect([a!.headers.get('location'), b!.headers.get('location')]).toEqual([
      `/admin/incidents/${id}?done=note`,
      `/admin/incidents/${id}?done=note`,
    ]);
    // The same form submitted after: the note it posted, not a second one.
    expect((await s.post(`/admin/maintenance/${id}`, fields)).headers.get('location')).toBe(`/admin/incidents/${id}?done=note`);
    expect(await updates()).toBe(2);
    await until(() => smtp.received.length === sentBefore + 2, 'the note to both database subscribers');
    await outboxSettled(h);
    expect(smtp.received).toHaveLength(sentBefore + 2);
    for (const mail of await Promise.all(smtp.received.slice(sentBefore).map((r) => smtp.parse(r)))) {
      expect(mail.subject).toBe(subject);
      expect(samePlaceholders(mail.text ?? '')).toBe(samePlaceholders(text));
    }
  });
});
