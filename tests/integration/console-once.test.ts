import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE, outboxSettled, subscribeAndConfirm, to } from '../helpers/mail-flow.ts';
import { formDay } from '../helpers/maintenance.ts';

/**
 * The console's forms that make something, posted twice (a double click, a browser retry, back
 * and resubmit), from a review: two maintenance windows and two notices per subscriber, two
 * channels on one URL, an incident published twice from two previews of one form. Each form
 * carries a one-time key (src/console/form-once.ts) recorded in the write that makes the thing.
 */
let h: HeraldProcess;
let smtp: TestSmtp;
let s: ConsoleSession;
const PEOPLE = ['ana@example.com', 'ben@example.com'];

beforeAll(async () => {
  smtp = await startSmtp();
  h = await startHerald({ env: { SMTP_URL: smtp.url, SITE_URL: SITE, ALLOW_PRIVATE_WEBHOOKS: 'true' } });
  expect((await h.admin('/components', { body: { id: 'api', name: 'API' } })).status).toBe(201);
  for (const email of PEOPLE) await subscribeAndConfirm(h, smtp, email, ['api']);
  s = await signIn(h);
}, 60_000);
afterAll(() => stopAll(h, smtp));

const page = async (path: string, session = s) => (await fetch(`${h.url}${path}`, { headers: { cookie: session.cookie } })).text();
/** The one-time key of the form a page renders (the first, or the one after `after`). */
const keyOf = (html: string, after = '') => {
  const key = /name="once" value="([^"]+)"/.exec(html.slice(after ? html.indexOf(after) : 0))?.[1];
  if (!key) throw new Error('the form carries no one-time key');
  return key;
};
const json = async (path: string) => (await (await h.admin(path)).json()) as Record<string, any>;
/** Subjects each subscriber got, after the confirmation, that contain `what`. */
const mailsAbout = async (what: string) => {
  await outboxSettled(h);
  return Promise.all(
    PEOPLE.map(async (p) => (await Promise.all(to(smtp, p).map((r) => smtp.parse(r)))).filter((m) => m.subject?.includes(what)).length),
  );
};

describe('maintenance: the schedule form', () => {
  const form = (name: string, once: string) => ({
    once,
    name,
    from: `${formDay(10)}T04:00`,
    until: `${formDay(10)}T05:00`,
    components: 'api',
    body: 'Swapping.',
    body_template: '',
    notify: '1',
    auto: '1',
  });
  const windows = async (name: string) =>
    ((await json('/maintenances')).scheduled_maintenances as Array<{ name: string }>).filter((m) => m.name === name);

  it('posted twice in a row makes one window, both posts go to it, and each subscriber gets one notice', async () => {
    const once = keyOf(await page('/admin/maintenance'));
    const first = await s.post('/admin/maintenance', form('Network switch swap', once));
    const second = await s.post('/admin/maintenance', form('Network switch swap', once));
    expect([first.status, second.status]).toEqual([303, 303]);
    expect(second.headers.get('location')).toBe(first.headers.get('location'));
    expect(await windows('Network switch swap')).toHaveLength(1);
    expect(await mailsAbout('Network switch swap')).toEqual([1, 1]);
  });

  it('posted twice at once makes one window', async () => {
    const once = keyOf(await page('/admin/maintenance'));
    const [a, b] = await Promise.all([1, 2].map(() => s.post('/admin/maintenance', form('Router swap', once))));
    expect([a!.status, b!.status]).toEqual([303, 303]);
    expect(b!.headers.get('location')).toBe(a!.headers.get('location'));
    expect(await windows('Router swap')).toHaveLength(1);
    expect(await mailsAbout('Router swap')).toEqual([1, 1]);
  });

  it('a form without a key works as before; edited under the same key it is another window; another session’s key is its own', async () => {
    const { once: _, ...keyless } = form('Keyless', 'x');
    expect((await s.post('/admin/maintenance', keyless)).status).toBe(303);
    expect(await windows('Keyless')).toHaveLength(1);
    const once = keyOf(await page('/admin/maintenance'));
    expect((await s.post('/admin/maintenance', form('Edited A', once))).status).toBe(303);
    expect((await s.post('/admin/maintenance', form('Edited B', once))).status).toBe(303);
    expect((await windows('Edited A')).length + (await windows('Edited B')).length).toBe(2);
    // The same key and fields in another session find nothing of the first session's.
    const other = await signIn(h, 'Eve');
    const mine = await s.post('/admin/maintenance', form('Bound', once));
    const theirs = await other.post('/admin/maintenance', form('Bound', once));
    expect(theirs.headers.get('location')).not.toBe(mine.headers.get('location'));
  });

  it('"Start now" confirmed twice starts the window once, and the repeat goes where the first went (not a 409)', async () => {
    const once = keyOf(await page('/admin/maintenance'));
    const made = await s.post('/admin/maintenance', form('Disk swap', once));
    const id = /MNT-[\w-]+/.exec(made.headers.get('location')!)![0];
    // Ten days early, a start is asked first (console-a11y.test.ts): this is its confirmation, posted twice and again.
    const step = { once: keyOf(await page(`/admin/incidents/${id}`), 'Next step'), step: 'start', body: '', confirm: '1' };
    const [a, b] = await Promise.all([1, 2].map(() => s.post(`/admin/maintenance/${id}`, step)));
    const c = await s.post(`/admin/maintenance/${id}`, step);
    expect([a!.status, b!.status, c.status]).toEqual([303, 303, 303]);
    const updates = (await json(`/maintenances/${id}`)).incident_updates as Array<{ status: string }>;
    expect(updates.filter((u) => u.status === 'in_progress')).toHaveLength(1);
  });

  it('a form refused for an error comes back with its key', async () => {
    const once = keyOf(await page('/admin/maintenance'));
    const refused = await s.post('/admin/maintenance', { ...form('', once) });
    expect(refused.status).toBe(422);
    expect(keyOf(await refused.text())).toBe(once);
  });
});

describe('channels: the add form', () => {
  // A URL of its own each: a second webhook on one URL is refused (409).
  const form = (once: string, name: string) => ({
    once,
    action: 'create',
    kind: 'webhook',
    name,
    url: `http://127.0.0.1:9/hook/${encodeURIComponent(name)}`,
  });
  const named = async (name: string) => ((await json('/channels')).channels as Array<{ name: string }>).filter((c) => c.name === name);
  const secretIn = (html: string) => /whsec_[A-Za-z0-9+/=]+/.exec(html)?.[0];

  it('posted twice in a row adds one channel; the repeat, a retry of this session, shows the same secret', async () => {
    const once = keyOf(await page('/admin/channels'), 'Add a channel');
    const first = await s.post('/admin/channels', form(once, 'Partner A'));
    const second = await s.post('/admin/channels', form(once, 'Partner A'));
    expect([first.status, second.status]).toEqual([200, 200]);
    const [a, b] = [await first.text(), await second.text()];
    expect(await named('Partner A')).toHaveLength(1);
    expect(secretIn(a)).toBeTruthy();
    // A double click's browser shows only the second answer: hiding the secret there would lose it.
    expect(secretIn(b)).toBe(secretIn(a));
    expect(b).toContain('Channel “Partner A” added.');
  });

  it('posted twice at once adds one channel', async () => {
    const once = keyOf(await page('/admin/channels'), 'Add a channel');
    await Promise.all([1, 2].map(() => s.post('/admin/channels', form(once, 'Partner B'))));
    expect(await named('Partner B')).toHaveLength(1);
  });

  it('a form without a key adds as before; a refused one comes back with its key', async () => {
    const { once: _, ...keyless } = form('x', 'Keyless');
    expect((await s.post('/admin/channels', keyless)).status).toBe(200);
    expect(await named('Keyless')).toHaveLength(1);
    const once = keyOf(await page('/admin/channels'), 'Add a channel');
    const refused = await s.post('/admin/channels', { ...form(once, 'Bad'), url: 'not a url' });
    expect(refused.status).toBe(422);
    expect(keyOf(await refused.text(), 'Add a channel')).toBe(once);
  });

  it('a URL another webhook has is refused (409) by the URL field, with what was typed and the key kept', async () => {
    await s.post('/admin/channels', form(keyOf(await page('/admin/channels'), 'Add a channel'), 'Original'));
    const once = keyOf(await page('/admin/channels'), 'Add a channel');
    const refused = await s.post('/admin/channels', { ...form(once, 'Copy'), url: 'http://127.0.0.1:9/hook/Original' });
    expect(refused.status).toBe(409);
    const html = await refused.text();
    expect(html).toMatch(/<p class="error" id="ch-url-error">[^<]*“Original”[^<]*<\/p>/);
    expect(html).toContain('value="Copy"');
    expect(keyOf(html, 'Add a channel')).toBe(once);
    expect(await named('Copy')).toHaveLength(0);
  });
});

describe('components: the add form', () => {
  it('posted twice, at once and again, adds one component and each post goes where the first went (not a 409)', async () => {
    const once = keyOf(await page('/admin/components'), 'Add a component');
    const form = { once, action: 'create', name: 'Billing', group: '', description: '' };
    const [a, b] = await Promise.all([1, 2].map(() => s.post('/admin/components', form)));
    const c = await s.post('/admin/components', form);
    expect([a!.status, b!.status, c.status]).toEqual([303, 303, 303]);
    expect(((await json('/components')).components as Array<{ name: string }>).filter((x) => x.name === 'Billing')).toHaveLength(1);
  });
});

describe('incidents: a form previewed twice', () => {
  const draftOf = (html: string) => /name="draft" value="([^"]+)"/.exec(html)![1]!;
  const declare = (once: string, name: string) => ({
    once,
    kind: 'declare',
    name,
    severity: 'sev1',
    'component.api': 'major_outage',
    body: 'Looking into it.',
    body_template: '',
    notify_shown: '1',
    notify: '1',
  });
  const named = async (name: string) => ((await json('/incidents')).incidents as Array<{ name: string }>).filter((i) => i.name === name);

  it('previewed twice in a row (back and resubmit) and both published: one incident, one disruption email each', async () => {
    const once = keyOf(await page('/admin/incidents/new'));
    const first = draftOf(await (await s.post('/admin/preview', declare(once, 'Checkout errors'))).text());
    const again = draftOf(await (await s.post('/admin/preview', declare(once, 'Checkout errors'))).text());
    const a = await s.post('/admin/publish', { draft: first });
    const b = await s.post('/admin/publish', { draft: again });
    expect([a.status, b.status]).toEqual([303, 303]);
    expect(b.headers.get('location')).toBe(a.headers.get('location'));
    // Previewed once more after the publish, the preview says where it went.
    const id = /INC-[\w-]+/.exec(a.headers.get('location')!)![0];
    const late = await (await s.post('/admin/preview', declare(once, 'Checkout errors'))).text();
    expect(late).toContain(`This form was published already, as <a href="/admin/incidents/${id}">${id}</a>.`);
    expect(await named('Checkout errors')).toHaveLength(1);
    expect(await mailsAbout('Checkout errors')).toEqual([1, 1]);
  });

  it('previewed twice at once and both published at once: one incident', async () => {
    const once = keyOf(await page('/admin/incidents/new'));
    const drafts = await Promise.all(
      [1, 2].map(async () => draftOf(await (await s.post('/admin/preview', declare(once, 'Login errors'))).text())),
    );
    const [a, b] = await Promise.all(drafts.map((draft) => s.post('/admin/publish', { draft })));
    expect(b!.headers.get('location')).toBe(a!.headers.get('location'));
    expect(await named('Login errors')).toHaveLength(1);
  });

  it('an update previewed twice and both published posts one update; the form back from a draft keeps its key', async () => {
    const [incident] = await named('Checkout errors');
    const id = (incident as unknown as { id: string }).id;
    const html = await page(`/admin/incidents/${id}`);
    const once = keyOf(html, 'name="kind" value="update"');
    const update = {
      once,
      kind: 'update',
      incident: id,
      status: 'identified',
      body: 'Found it.',
      body_template: '',
      notify_shown: '0',
      eta: 'keep',
    };
    const first = draftOf(await (await s.post('/admin/preview', update)).text());
    const again = draftOf(await (await s.post('/admin/preview', update)).text());
    // "Back to edit" of a draft shows its form with the same key.
    expect(keyOf(await page(`/admin/incidents/${id}?draft=${first}`), 'name="kind" value="update"')).toBe(once);
    await Promise.all([first, again].map((draft) => s.post('/admin/publish', { draft })));
    const updates = ((await json(`/incidents/${id}`)).incident_updates as Array<{ body: string }>).filter((u) => u.body === 'Found it.');
    expect(updates).toHaveLength(1);
  });

  it('previewed, Back to edit, previewed again: publishing the first preview after the second finds the incident', async () => {
    const once = keyOf(await page('/admin/incidents/new'));
    // An estimate chosen as "in 60 minutes": the form rebuilt from the draft posts it as the instant previewed.
    const first = draftOf(await (await s.post('/admin/preview', { ...declare(once, 'Search errors'), eta: '60' })).text());
    const back = await page(`/admin/incidents/new?draft=${first}`);
    expect(keyOf(back)).toBe(once);
    const previewed = /<option value="(\d{4}-[^"]+)"[^>]*selected/.exec(back)![1]!;
    const again = draftOf(await (await s.post('/admin/preview', { ...declare(once, 'Search errors'), eta: previewed })).text());
    const a = await s.post('/admin/publish', { draft: again });
    const b = await s.post('/admin/publish', { draft: first });
    // Before: another incident (other bytes, another key), and a second disruption email to everyone.
    expect(b.headers.get('location')).toBe(a.headers.get('location'));
    expect(await named('Search errors')).toHaveLength(1);
    expect(await mailsAbout('Search errors')).toEqual([1, 1]);
  });

  it('a form without a key previews and publishes as before', async () => {
    const { once: _, ...keyless } = declare('x', 'Keyless incident');
    const draft = draftOf(await (await s.post('/admin/preview', keyless)).text());
    expect((await s.post('/admin/publish', { draft })).status).toBe(303);
    expect(await named('Keyless incident')).toHaveLength(1);
  });
});
