import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopAll, tempDataDir, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { outboxSettled, startMailedSite, to, until } from '../helpers/mail-flow.ts';
import { all, byId, dom, submitted, textOf } from '../helpers/dom.ts';
import { text } from '../helpers/page.ts';

/**
 * From a defect hunt: a SEV-1 update whose first sentence the Comms Lead edited, re-graded to SEV-3 and
 * emailed, still said "We will provide the next update within 30 minutes." on the page while the reminder
 * counted SEV-3's 4 hours, and the email carried that sentence beside its own promise of every 4 hours. The
 * same on a declare whose severity changed after its text was edited. Through the console's forms as drawn,
 * without the script, to the page and the email a real SMTP server receives.
 */
const SEV1_NEXT = 'We will provide the next update within 30 minutes.';
const SEV3_NEXT = 'We will provide the next update within 4 hours.';
const MINE = 'We found a bad config push on Web and are rolling it back.';
const RECIPIENT = 'ops@example.com';

let h: HeraldProcess;
let smtp: TestSmtp;
let s: ConsoleSession;

beforeAll(async () => {
  smtp = await startSmtp();
  h = await startMailedSite(tempDataDir(), smtp, [{ id: 'web', name: 'Web' }], { HERALD_SEED: 'none' });
  s = await signIn(h);
}, 60_000);
afterAll(() => stopAll(h, smtp));

const consolePage = async (path: string) => dom(await (await fetch(`${h.url}${path}`, { headers: { cookie: s.cookie } })).text());

/** The fields of the page's form `keep` (data-keep) as a browser without scripts sends it, with `changes`. */
async function drawnForm(path: string, keep: string): Promise<Record<string, string>> {
  const doc = await consolePage(path);
  const form = all(doc, (e) => e.name === 'form' && e.attribs['data-keep'] === keep)[0]!;
  return Object.fromEntries(submitted(form, doc));
}

/** Previews `fields`, then publishes the draft; the preview's HTML and where the publish leads. */
async function previewAndPublish(fields: Record<string, string>): Promise<{ html: string; location: string }> {
  const preview = await s.post('/admin/preview', fields);
  expect(preview.status).toBe(200);
  const html = await preview.text();
  const draft = /name="draft" value="([^"]+)"/.exec(html)![1]!;
  const published = await s.post('/admin/publish', { draft });
  expect(published.status).toBe(303);
  return { html, location: published.headers.get('location') ?? '' };
}

/** The latest email to the subscriber once `n` came, its text and HTML parts. */
async function nthEmail(n: number): Promise<{ text: string; html: string }> {
  await until(() => to(smtp, RECIPIENT).length >= n, `email ${n} to ${RECIPIENT}`);
  const mail = await smtp.parse(to(smtp, RECIPIENT)[n - 1]!);
  return { text: mail.text ?? '', html: typeof mail.html === 'string' ? mail.html : '' };
}

describe('an edited text promises the rhythm of the level it is re-graded to', () => {
  it('an update of a SEV-1 re-graded to SEV-3: the body, the page and the email promise SEV-3’s rhythm only', async () => {
    const declared = await h.admin('/incidents', {
      body: { name: 'Web down', severity: 'sev1', body: 'Web is down.', components: { web: 'major_outage' } },
    });
    const { id } = (await declared.json()) as { id: string };
    await outboxSettled(h, 1);
    const sent = to(smtp, RECIPIENT).length;

    // The form as drawn for Identified (the page's link for a status; without the script, its template for it).
    const drawn = await drawnForm(`/admin/incidents/${id}?status=identified`, 'update');
    expect(drawn.body).toContain(`We have identified the issue affecting Web and are working on a fix. ${SEV1_NEXT}`);
    const body = drawn.body!.replace('We have identified the issue affecting Web and are working on a fix.', MINE);
    const { html } = await previewAndPublish({ ...drawn, status: 'identified', severity: 'sev3', eta: 'none', body, notify: 'on' });
    expect(byId(dom(html), 'text-disagrees')).toBeUndefined();

    const incident = (await (await h.admin(`/incidents/${id}`)).json()) as { incident_updates: Array<{ body: string }> };
    // Before: "… rolling it back. We will provide the next update within 30 minutes."
    expect(incident.incident_updates[0]!.body.split('\n')[0]).toBe(`${MINE} ${SEV3_NEXT}`);
    const page = text(await (await fetch(`${h.url}/incidents/${id}`)).text());
    expect(page).toContain(`${MINE} ${SEV3_NEXT}`);
    expect(page).not.toContain(SEV1_NEXT);

    const mail = await nthEmail(sent + 1);
    for (const part of [mail.text, text(mail.html)]) {
      expect(part).toContain(MINE);
      expect(part).toContain('at least every 4 hours');
      // Before: the text part carried both "within 30 minutes" and the email's own "every 4 hours".
      expect(part).not.toContain('within 30 minutes');
      expect(part).not.toContain(SEV3_NEXT);
    }
  });

  it('a rhythm the Comms Lead wrote is kept on the page, named beside the level’s in the preview, and left out of the email', async () => {
    const declared = await h.admin('/incidents', {
      body: { name: 'Web slow', severity: 'sev1', body: 'Web is slow.', components: { web: 'degraded_performance' } },
    });
    const { id } = (await declared.json()) as { id: string };
    await outboxSettled(h, 1);
    const drawn = await drawnForm(`/admin/incidents/${id}?status=identified`, 'update');
    const own = 'We will provide the next update within 2 hours.';
    const body = drawn.body!.replace(SEV1_NEXT, own);
    const preview = await s.post('/admin/preview', { ...drawn, status: 'identified', severity: 'sev3', eta: 'none', body, notify: 'on' });
    const warning = byId(dom(await preview.text()), 'text-disagrees');
    // Before: no warning; the page said 2 hours, the reminder 4.
    expect(textOf(warning!)).toContain(`Your text promises “${own}” while the severity chosen promises “${SEV3_NEXT}”`);
    const sent = to(smtp, RECIPIENT).length;
    await previewAndPublish({ ...drawn, status: 'identified', severity: 'sev3', eta: 'none', body, notify: 'on' });
    expect(text(await (await fetch(`${h.url}/incidents/${id}`)).text())).toContain(own);
    const mail = await nthEmail(sent + 1);
    for (const part of [mail.text, text(mail.html)]) {
      expect(part).toContain('at least every 4 hours');
      expect(part).not.toContain(own);
      expect(part).not.toContain(SEV1_NEXT);
    }
  });

  it('a declare edited, previewed as SEV-1, then changed to SEV-2: SEV-2’s rhythm on the page and in the email', async () => {
    const sent = to(smtp, RECIPIENT).length;
    const drawn = await drawnForm('/admin/incidents/new', 'declare');
    const edited = drawn.body!.replace(/^We are investigating reports of problems with [^.]+\./, 'Web pages fail to load.');
    const first = await s.post('/admin/preview', {
      ...drawn,
      name: 'Web pages fail',
      severity: 'sev1',
      'component.web': 'major_outage',
      body: edited,
    });
    expect(first.status).toBe(200);
    const back = /<a class="btn" href="([^"]+)">Back to edit<\/a>/.exec(await first.text())![1]!.replace(/&amp;/g, '&');
    const again = await drawnForm(back, 'declare');
    expect(again.body).toContain('Web pages fail to load. We will provide updates at least every 30 minutes.');
    // SEV-2 emails by the runbook as SEV-1 does: the box left ticked as drawn sends without the script.
    const { location } = await previewAndPublish({ ...again, severity: 'sev2' });
    const id = /\/admin\/incidents\/([^/?#]+)/.exec(location)![1]!;
    const incident = (await (await h.admin(`/incidents/${id}`)).json()) as { incident_updates: Array<{ body: string }> };
    // Before: "Web pages fail to load. We will provide updates at least every 30 minutes."
    expect(incident.incident_updates[0]!.body.split('\n')[0]).toBe('Web pages fail to load. We will provide updates at least every hour.');
    expect(text(await (await fetch(`${h.url}/incidents/${id}`)).text())).toContain(
      'Web pages fail to load. We will provide updates at least every hour.',
    );
    const mail = await nthEmail(sent + 1);
    for (const part of [mail.text, text(mail.html)]) {
      expect(part).toContain('Web pages fail to load.');
      expect(part).toContain('at least every hour');
      expect(part).not.toContain('every 30 minutes');
      expect(part).not.toContain('We will provide updates at least');
    }
  });
});
