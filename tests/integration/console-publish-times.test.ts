import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { text } from '../helpers/page.ts';
import { formatDateTime } from '../../src/domain/time-text.ts';
import { etaText } from '../../src/domain/words.ts';
import { formatDuration } from '../../src/domain/overall.ts';

/**
 * A reviewer previewed "Resolved", left the body as the template, waited a
 * minute and published: the text still said the preview's "Resolved at" and
 * "Total duration" while the incident recorded the publish's, and the page
 * showed "lasted 3 min" above "Total duration: 2 min". A template left as it
 * was is filled in again at the publish; the estimate stays the previewed one.
 */
const TZ = 'Asia/Tokyo';
let h: HeraldProcess;
let s: ConsoleSession;

beforeAll(async () => {
  h = await startHerald({ env: { SITE_TIMEZONE: TZ } });
  expect((await h.admin('/components', { body: { id: 'dash', name: 'Dashboard' } })).status).toBe(201);
  s = await signIn(h);
});
afterAll(() => stopAll(h));

const page = async (path: string) => (await fetch(`${h.url}${path}`, { headers: { cookie: s.cookie } })).text();
const decoded = (v: string) =>
  v
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
/** The body and its template as a form page sends them, untouched (no script). */
const template = (html: string, textarea: string) => ({
  body: decoded(new RegExp(`<textarea id="${textarea}" name="body"[^>]*>([\\s\\S]*?)</textarea>`).exec(html)![1]!),
  body_template: decoded(/name="body_template" value="([^"]*)"/.exec(html)![1]!),
});
const draftOf = (html: string) => /name="draft" value="([^"]+)"/.exec(html)![1]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const incident = async (id: string) => (await (await h.admin(`/incidents/${id}`)).json()) as Record<string, any>;
/** Declares a sev3 incident on the dashboard that started at `start` (ms) and answers its id. */
const declareSince = async (name: string, body: string, start: number) => {
  const declared = await h.admin('/incidents', {
    body: {
      name,
      severity: 'sev3',
      body,
      started_at: new Date(start).toISOString(),
      components: { dash: 'degraded_performance' },
    },
  });
  expect(declared.status).toBe(201);
  return ((await declared.json()) as { id: string }).id;
};

describe('console: a body left as the template states the times Herald records at publish', () => {
  it('a resolve and a declare previewed, then published once the duration has moved on', async () => {
    // Under 150 s old at the preview ("2 min"), over it at the publish ("3 min"): the duration the text states
    // changes between the two whatever the wall clock (the minutes of "Resolved at" change only when one turns).
    // The server keeps the real clock, so the wait for 150 s is real: declared 145 s back, the declare, the page
    // and the preview have 5 s (about 1 s here). A run stalled past 150 s before the preview came back (a loaded
    // machine) could not tell "2 min" from a stale text: it withdraws that incident and declares again 130 s back,
    // 20 s for them, as this test always did before.
    const previewResolve = async (ageMs: number) => {
      const start = Date.now() - ageMs;
      const id = await declareSince('Dashboard slow', 'Slow.', start);
      const resolveForm = template(await page(`/admin/incidents/${id}`), 'update-body');
      const resolving = await s.post('/admin/preview', {
        kind: 'update',
        incident: id,
        status: 'resolved',
        notify_shown: '0',
        ...resolveForm,
      });
      expect(resolving.status).toBe(200);
      return { start, id, resolveHtml: await resolving.text(), inTime: Date.now() - start < 150_000 };
    };
    let previewed = await previewResolve(145_000);
    if (!previewed.inTime) {
      expect((await h.admin(`/incidents/${previewed.id}`, { method: 'DELETE' })).status).toBe(204);
      previewed = await previewResolve(130_000);
    }
    const { start, id, resolveHtml } = previewed;
    const preview = text(/<div class="page-preview"[\s\S]*?<\/article>/.exec(resolveHtml)![0]);
    expect(preview, 'previewed under 150 s after the start (a slower run would reach it first)').toContain('Total duration: 2 min');
    expect(text(resolveHtml)).toContain(
      "The text is Herald's template: “Resolved at” and “Total duration” will count to the time you publish, as the incident records it.",
    );

    const declareForm = template(await page('/admin/incidents/new'), 'body');
    const declaring = await s.post('/admin/preview', {
      kind: 'declare',
      name: 'Logins failing',
      severity: 'sev3',
      eta: '120',
      notify_shown: '0',
      'component.dash': 'major_outage',
      ...declareForm,
    });
    expect(declaring.status).toBe(200);
    const declareHtml = await declaring.text();
    const previewedAt = Date.now();
    expect(text(declareHtml)).toContain('This is what will go out if you publish now.');
    expect(text(declareHtml)).toMatch(
      /The text is Herald's template: “Started at” will say the time you publish, as the incident records it\. The estimated resolution stays .+\./,
    );

    // Until the incident is over 150 s old.
    await sleep(start + 152_000 - Date.now());

    expect((await s.post('/admin/publish', { draft: draftOf(resolveHtml) })).status).toBe(303);
    const resolved = await incident(id);
    const said = resolved.incident_updates[0].body as string;
    // Before: "Total duration: 2 min" and the preview's minute, under a record of 3 min and the publish's minute.
    expect(said).toContain('- **Total duration:** 3 min');
    expect(said).toContain(`- **Resolved at:** ${formatDateTime(resolved.resolved_at, TZ)}`);
    const pub = text(await (await fetch(`${h.url}/incidents/${id}`)).text());
    expect(pub).toContain('lasted 3 min');
    expect(pub).toContain('Total duration: 3 min');
    expect(pub).not.toContain('2 min');

    const published = await s.post('/admin/publish', { draft: draftOf(declareHtml) });
    expect(published.status).toBe(303);
    const newId = /\/admin\/incidents\/([^?]+)/.exec(published.headers.get('location')!)![1]!;
    const declaredNow = await incident(decodeURIComponent(newId));
    const body = declaredNow.incident_updates[0].body as string;
    // Before: the preview's minute, where the publish fell in the next one.
    expect(body).toContain(`- **Started at:** ${formatDateTime(declaredNow.started_at, TZ)}`);
    // The estimate is the one previewed ("In 2 hours" from the preview), in the text and the record alike.
    const eta = declaredNow.eta as string;
    expect(Math.abs(Date.parse(eta) - (previewedAt + 120 * 60_000))).toBeLessThan(5_000);
    expect(body).toContain(`- **Estimated resolution:** ${etaText(eta, declaredNow.started_at, TZ)}`);
    expect(text(declareHtml)).toContain(`Estimated resolution: ${etaText(eta, declaredNow.started_at, TZ)}`);
  }, 60_000);

  it('an identified update left as the template says it was updated at the publish (the runbooks’ In progress "Updated at")', async () => {
    const declared = await h.admin('/incidents', {
      body: { name: 'Exports slow', severity: 'sev3', body: 'Slow.', components: { dash: 'degraded_performance' } },
    });
    const { id } = (await declared.json()) as { id: string };
    const form = template(await page(`/admin/incidents/${id}?status=identified`), 'update-body');
    // Before: "- **Started at:** <the incident's start>", the Initial update's field.
    expect(form.body).toMatch(/\n- \*\*Updated at:\*\* .+$/);
    expect(form.body).not.toContain('Started at');
    const preview = await s.post('/admin/preview', {
      kind: 'update',
      incident: id,
      status: 'identified',
      eta: 'none',
      notify_shown: '0',
      ...form,
    });
    expect(preview.status).toBe(200);
    const html = await preview.text();
    expect(text(html)).toContain("The text is Herald's template: “Updated at” will say the time you publish, as the incident records it.");
    const draft = draftOf(html);
    expect((await s.post('/admin/publish', { draft })).status).toBe(303);
    const update = (await incident(id)).incident_updates[0];
    expect(update.body).toContain(`- **Updated at:** ${formatDateTime(update.created_at, TZ)}`);
  });
});

describe('console: an edited body states the times Herald records at publish in the template lines it kept', () => {
  /**
   * A reviewer opened an incident's page, picked Resolved, changed the first sentence and published minutes
   * later: "Resolved at" and "Total duration" were the page's (04:53, 3 min) under a record of 04:55, 5 min.
   * The forms are posted as a page drawn minutes earlier sends them: its template, and the body edited from it.
   */
  it('a resolve and a declare, their first sentence edited, from pages drawn minutes before the preview', async () => {
    const start = Date.now() - 10 * 60_000;
    const id = await declareSince('Reports late', 'Late.', start);
    const drawn = template(await page(`/admin/incidents/${id}?status=resolved`), 'update-body');
    // The page as drawn three minutes into the incident.
    const earlier = drawn.body_template
      .replace(/- \*\*Total duration:\*\* .*/, '- **Total duration:** 3 min')
      .replace(/- \*\*Resolved at:\*\* .*/, `- **Resolved at:** ${formatDateTime(new Date(start + 3 * 60_000).toISOString(), TZ)}`);
    expect(earlier).not.toBe(drawn.body_template);
    const body = earlier.replace('The issue has been resolved.', 'We flushed the report cache and the issue has been resolved.');
    expect(body).not.toBe(earlier);
    const resolving = await s.post('/admin/preview', {
      kind: 'update',
      incident: id,
      status: 'resolved',
      notify_shown: '0',
      body,
      body_template: earlier,
    });
    expect(resolving.status).toBe(200);
    const resolveHtml = await resolving.text();
    const previewed = text(/<div class="page-preview"[\s\S]*?<\/article>/.exec(resolveHtml)![0]);
    expect(previewed).toContain('We flushed the report cache');
    // Before: "Total duration: 3 min" previewed, and no word of the times.
    expect(previewed).not.toContain('Total duration: 3 min');
    expect(text(resolveHtml)).toContain(
      "Your text keeps Herald's “Resolved at” and “Total duration” lines: they will count to the time you publish, as the incident records it.",
    );
    expect((await s.post('/admin/publish', { draft: draftOf(resolveHtml) })).status).toBe(303);
    const resolved = await incident(id);
    const said = resolved.incident_updates[0].body as string;
    expect(said).toContain('We flushed the report cache and the issue has been resolved.');
    // Before: "Total duration: 3 min" and the page's "Resolved at".
    const lasted = Math.round((Date.parse(resolved.resolved_at) - Date.parse(resolved.started_at)) / 60_000);
    expect(said).toContain(`- **Total duration:** ${formatDuration(lasted)}`);
    expect(said).toContain(`- **Resolved at:** ${formatDateTime(resolved.resolved_at, TZ)}`);

    const form = template(await page('/admin/incidents/new'), 'body');
    const was = form.body_template.replace(
      /- \*\*Started at:\*\* .*/,
      `- **Started at:** ${formatDateTime(new Date(Date.now() - 5 * 60_000).toISOString(), TZ)}`,
    );
    expect(was).not.toBe(form.body_template);
    const declaring = await s.post('/admin/preview', {
      kind: 'declare',
      name: 'Logins failing',
      severity: 'sev3',
      notify_shown: '0',
      'component.dash': 'major_outage',
      body: `Logins fail for some customers.\n${was.split('\n').slice(1).join('\n')}`,
      body_template: was,
    });
    expect(declaring.status).toBe(200);
    const declareHtml = await declaring.text();
    expect(text(declareHtml)).toContain(
      "Your text keeps Herald's “Started at” line: it will say the time you publish, as the incident records it.",
    );
    const published = await s.post('/admin/publish', { draft: draftOf(declareHtml) });
    expect(published.status).toBe(303);
    const newId = decodeURIComponent(/\/admin\/incidents\/([^?]+)/.exec(published.headers.get('location')!)![1]!);
    const started = await incident(newId);
    const first = started.incident_updates[0].body as string;
    expect(first.split('\n')[0]).toBe('Logins fail for some customers.');
    // Before: the page's "Started at", five minutes before the incident's start.
    expect(first).toContain(`- **Started at:** ${formatDateTime(started.started_at, TZ)}`);
  });
});

describe("console: the preview's banner, as apps draw it, names what its time is", () => {
  // A Herald of its own: the incidents above stay open and would outrank the maintenance.
  let h: HeraldProcess;
  let s: ConsoleSession;
  beforeAll(async () => {
    h = await startHerald({ env: { SITE_TIMEZONE: TZ } });
    s = await signIn(h);
  });
  afterAll(() => stopAll(h));

  it("a running maintenance the banner shows over the previewed incident gives its window's scheduled end, not an estimated resolution", async () => {
    expect((await h.admin('/components', { body: { id: 'search', name: 'Search' } })).status).toBe(201);
    const until = new Date(Date.now() + 3 * 3_600_000);
    until.setUTCSeconds(0, 0);
    const scheduled = await h.admin('/maintenances', {
      body: {
        name: 'Search index rebuild',
        scheduled_for: new Date(Date.now() - 60_000).toISOString(),
        scheduled_until: until.toISOString(),
        components: ['search'],
        auto_transitions: false,
      },
    });
    expect(scheduled.status).toBe(201);
    const { id: mnt } = (await scheduled.json()) as { id: string };
    expect((await h.admin(`/maintenances/${mnt}/start`, { method: 'POST' })).status).toBe(201);
    // An incident of no impact being monitored ranks below a maintenance in progress: the banner keeps the window.
    const declared = await h.admin('/incidents', {
      body: { name: 'Search results stale', impact: 'none', body: 'Looking.', components: {} },
    });
    expect(declared.status).toBe(201);
    const { id } = (await declared.json()) as { id: string };
    const preview = await s.post('/admin/preview', {
      kind: 'update',
      incident: id,
      status: 'monitoring',
      body: 'A fix is out.',
      body_template: '',
      notify_shown: '0',
    });
    expect(preview.status).toBe(200);
    const page = text(await preview.text());
    // The banner's part of the page: the summary above names the incident's own "Estimated resolution".
    const shown = page.slice(page.indexOf('In apps (the banner)'), page.indexOf('As JSON'));
    // Before: "the banner shows the most severe open incident", which the window it keeps is not.
    expect(shown).toContain(
      "Apps keep showing “Search index rebuild”: the banner shows what weighs most in the page's status now (an incident being worked on by its impact, one being monitored by what its components still show, a running maintenance below any incident that still weighs), then one still being worked on, then the most severe, then the one updated last.",
    );
    // Before: "Estimated resolution: <the window's end>" (the banner's eta is the window's end during it).
    expect(shown).toContain(`Scheduled end: ${etaText(until.toISOString(), new Date().toISOString(), TZ)}.`);
    expect(shown).not.toContain('Estimated resolution');
  }, 60_000);
});
