import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { outboxSettled, SITE, subscribeAndConfirm, to } from '../helpers/mail-flow.ts';
import { until } from '../helpers/poll.ts';
import { all, byId, dom, fieldsOf, textOf } from '../helpers/dom.ts';

/**
 * The tag by each update on the console's incident page. From a review: with no subscriber following the
 * incident's components, a SEV-1's first update was tagged "emailed" (its notice went to nobody), and a
 * Comms Lead skimming the timeline read that customers had been told.
 */
let h: HeraldProcess;
let smtp: TestSmtp;
let s: ConsoleSession;
/** While set, the relay holds every message's answer: a delivery stays in flight, queued. */
let held: Promise<null> | null = null;

beforeAll(async () => {
  smtp = await startSmtp(() => held);
  h = await startHerald({ env: { SMTP_URL: smtp.url, SITE_URL: SITE, HERALD_SEED: 'none' } });
  for (const [id, name] of [
    ['api', 'API'],
    ['web', 'Website'],
    ['docs', 'Docs'],
  ]) {
    expect((await h.admin('/components', { body: { id, name } })).status).toBe(201);
  }
  s = await signIn(h);
}, 60_000);
afterAll(() => stopAll(h, smtp));

/** The tags of the incident's updates on its console page, newest first. */
async function tags(id: string): Promise<string[]> {
  const doc = dom(await (await fetch(`${h.url}/admin/incidents/${id}`, { headers: { cookie: s.cookie } })).text());
  const list = all(doc, (e) => e.name === 'ol' && (e.attribs.class ?? '').includes('active-list'))[0]!;
  return all(list, (e) => e.name === 'li' && e.parent === list).map((li) =>
    all(li, (e) => e.name === 'span' && (e.attribs.class ?? '').startsWith('pill'))
      .map(textOf)
      .join(','),
  );
}

/**
 * Waits until every notice is fanned out and none of its deliveries is still in flight. The relay records a
 * message before its answer, and Herald marks the delivery sent only once answered: a message seen at the
 * relay, or a fan-out done, is not yet a delivery sent (the tag read "being emailed" about 1 run in 4).
 */
const settled = () => outboxSettled(h, 1);

describe('the console says which updates were emailed', () => {
  it('an update whose notice went to no subscriber says so; one that reached a subscriber says emailed', async () => {
    const declared = await h.admin('/incidents', {
      body: { name: 'Website down', severity: 'sev1', body: 'Investigating.', components: { web: 'major_outage' } },
    });
    const { id } = (await declared.json()) as { id: string };
    await settled();
    expect(await tags(id)).toEqual(['no subscriber to email']);

    await subscribeAndConfirm(h, smtp, 'reader@example.com', ['web']);
    const update = await h.admin(`/incidents/${id}/updates`, { body: { status: 'resolved', body: 'Fixed.' } });
    expect(update.status).toBe(201);
    await until(() => to(smtp, 'reader@example.com').length === 2, 'the restoration notice');
    await settled();
    expect(await tags(id)).toEqual(['emailed', 'no subscriber to email']);
    // The Withdraw question counts, by the same keys, what went out about it.
    const withdraw = dom(await (await fetch(`${h.url}/admin/incidents/${id}/withdraw`, { headers: { cookie: s.cookie } })).text());
    expect(textOf(byId(withdraw, 'confirm-withdraw')!).replace(/\s+/g, ' ')).toContain(
      'Emails (1 email about it so far) and channel posts already sent cannot be called back.',
    );
  });

  // From a hunt: right after a publish the tag read "emailed" while its fan-out had not begun (and then found
  // nobody to email). "emailed" waits for a delivery sent.
  it('says "being emailed" while its email is under way, "emailed" once sent', async () => {
    await subscribeAndConfirm(h, smtp, 'api-reader@example.com', ['api']);
    let release!: (v: null) => void;
    held = new Promise((r) => (release = r));
    try {
      const declared = await h.admin('/incidents', {
        body: { name: 'API errors', severity: 'sev1', body: 'Investigating.', components: { api: 'major_outage' } },
      });
      const { id } = (await declared.json()) as { id: string };
      expect(await tags(id)).toEqual(['being emailed']);
      release(null);
      held = null;
      await until(() => to(smtp, 'api-reader@example.com').length === 2, 'the disruption notice');
      await settled();
      expect(await tags(id)).toEqual(['emailed']);
    } finally {
      held = null;
      release(null);
    }
  });

  // From a hunt: the page read the outbox's newest 200 notices; an update behind them read "emailed" whatever became of it.
  it("an update older than the outbox's newest notices still says what became of its email", async () => {
    const quiet = await h.admin('/incidents', {
      body: { name: 'Docs slow', severity: 'sev1', body: 'Investigating.', components: { docs: 'degraded_performance' } },
    });
    const { id } = (await quiet.json()) as { id: string };
    const busy = await h.admin('/incidents', {
      body: { name: 'Docs search down', severity: 'sev1', body: 'Investigating.', components: { docs: 'partial_outage' } },
    });
    const other = ((await busy.json()) as { id: string }).id;
    for (let i = 0; i < 200; i++) {
      const res = await h.admin(`/incidents/${other}/updates`, { body: { status: 'identified', body: `Step ${i}.`, notify: true } });
      expect(res.status).toBe(201);
    }
    await settled();
    expect(await tags(id)).toEqual(['no subscriber to email']);
  }, 120_000);

  // From a hunt: the timeline read "· by admin-token", where the dashboard says "the API".
  it('names who posted each update in words: the API for the admin token', async () => {
    const declared = await h.admin('/incidents', {
      body: { name: 'API slow', severity: 'sev3', body: 'Investigating.', components: { api: 'degraded_performance' } },
    });
    const { id } = (await declared.json()) as { id: string };
    const doc = dom(await (await fetch(`${h.url}/admin/incidents/${id}`, { headers: { cookie: s.cookie } })).text());
    const meta = all(doc, (e) => e.name === 'div' && e.attribs.class === 'meta').map(textOf);
    expect(meta[0]).toContain('by the API');
    expect(meta.join(' ')).not.toContain('admin-token');
  });
});

describe('the disruption notice a level holds back', () => {
  // From a hunt: once the timer had sent it, the page said nothing of email at all (the note was only for
  // while it was owed, and the notice is no update's).
  it('once sent, the incident page says subscribers were emailed it, and when', async () => {
    const got = await h.admin('/settings');
    const settings = (await got.json()) as { severities: Array<Record<string, unknown>> };
    settings.severities = settings.severities.map((l) => (l.id === 'sev2' ? { ...l, email_subscribers: true, email_after_minutes: 1 } : l));
    const put = await h.admin('/settings', { method: 'PUT', body: settings, headers: { 'If-Match': got.headers.get('etag')! } });
    expect(put.status).toBe(200);
    await subscribeAndConfirm(h, smtp, 'exports-reader@example.com', ['web']);
    const before = to(smtp, 'exports-reader@example.com').length;
    // Started two minutes ago: the notice held back a minute is due at once.
    const declared = await h.admin('/incidents', {
      body: {
        name: 'Exports failing',
        severity: 'sev2',
        body: 'Investigating.',
        components: { web: 'partial_outage' },
        started_at: new Date(Date.now() - 120_000).toISOString(),
      },
    });
    expect(declared.status).toBe(201);
    const { id } = (await declared.json()) as { id: string };
    await until(() => to(smtp, 'exports-reader@example.com').length > before, 'the disruption notice');
    await settled();
    const doc = dom(await (await fetch(`${h.url}/admin/incidents/${id}`, { headers: { cookie: s.cookie } })).text());
    const note = byId(doc, 'late-notice');
    expect(note ? textOf(note) : 'no #late-notice').toMatch(
      /^Subscribers were emailed the disruption notice at \d\d:\d\d UTC \(\d+ subscribers?\)\.$/,
    );
  });
});

describe("the postmortem's email", () => {
  /** Declares and resolves an incident on `component`, publishes its postmortem from the console with email; the address it led to. */
  async function publishEmailed(component: string): Promise<{ id: string; landed: string }> {
    const declared = await h.admin('/incidents', {
      body: { name: `Postmortem on ${component}`, impact: 'minor', body: 'Looking.', components: { [component]: 'degraded_performance' } },
    });
    const { id } = (await declared.json()) as { id: string };
    expect((await h.admin(`/incidents/${id}/updates`, { body: { status: 'resolved', body: 'Fixed.', notify: false } })).status).toBe(201);
    const path = `/admin/incidents/${id}/postmortem`;
    const form = all(
      dom(await (await fetch(`${h.url}${path}`, { headers: { cookie: s.cookie } })).text()),
      (e) => e.name === 'form' && e.attribs['data-keep'] === 'postmortem',
    )[0]!;
    const published = await s.post(path, { ...fieldsOf(form), action: 'publish', notify: '1', body: '## Summary\n\nA full disk.' });
    expect(published.status).toBe(303);
    return { id, landed: published.headers.get('location')! };
  }
  const noticeOn = async (landed: string) =>
    textOf(
      all(
        dom(await (await fetch(`${h.url}${landed}`, { headers: { cookie: s.cookie } })).text()),
        (e) => e.attribs.class === 'notice ok',
      )[0]!,
    );
  const postmortemTag = async (id: string) => {
    const doc = dom(await (await fetch(`${h.url}/admin/incidents/${id}`, { headers: { cookie: s.cookie } })).text());
    const card = byId(doc, 'pm-state');
    return card ? all(card, (e) => e.name === 'span' && (e.attribs.class ?? '').startsWith('pill')).map(textOf) : ['no #pm-state'];
  };

  // From a review: the notice read "subscribers are being emailed" whenever the save asked for email, though
  // the incident's components had no follower and the outbox had fanned it out to nobody.
  it('on components nobody follows, the notice and the incident page say no subscriber was emailed', async () => {
    expect((await h.admin('/components', { body: { id: 'billing', name: 'Billing' } })).status).toBe(201);
    const { id, landed } = await publishEmailed('billing');
    await settled();
    expect(await noticeOn(landed)).toBe('Published on the incident page; there was no subscriber to email it to.');
    expect(await postmortemTag(id)).toEqual(['no subscriber to email']);
    // Withdrawn since (publish: false), the address that publish led to says nothing of an email: it is not published.
    expect((await h.admin(`/incidents/${id}/postmortem`, { method: 'PUT', body: { publish: false } })).status).toBe(200);
    const reloaded = dom(await (await fetch(`${h.url}${landed}`, { headers: { cookie: s.cookie } })).text());
    expect(all(reloaded, (e) => e.attribs.class === 'notice ok').map(textOf)).toEqual([]);
  });

  it('says it is being emailed while under way, and to how many once sent', async () => {
    expect((await h.admin('/components', { body: { id: 'search', name: 'Search' } })).status).toBe(201);
    await subscribeAndConfirm(h, smtp, 'search-reader@example.com', ['search']);
    let release!: (v: null) => void;
    held = new Promise((r) => (release = r));
    try {
      const { id, landed } = await publishEmailed('search');
      expect(await noticeOn(landed)).toBe('Published on the incident page; subscribers are being emailed.');
      expect(await postmortemTag(id)).toEqual(['being emailed']);
      release(null);
      held = null;
      await settled();
      expect(await noticeOn(landed)).toBe('Published on the incident page; subscribers were emailed (1 subscriber).');
      expect(await postmortemTag(id)).toEqual(['emailed']);
    } finally {
      held = null;
      release(null);
    }
  });
});
