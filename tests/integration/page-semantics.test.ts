import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { engineEnv } from '../helpers/engine.ts';

/**
 * What assistive technology reads of the public pages beyond what axe-core
 * checks (tests/e2e/a11y.test.ts): where a page sits, times as instants, and
 * titles that tell a dead link from a working one.
 */
let h: HeraldProcess;
const page = async (path: string) => {
  const res = await fetch(`${h.url}${path}`);
  return { status: res.status, html: await res.text() };
};
const title = (html: string) => /<title>([^<]*)<\/title>/.exec(html)?.[1];

beforeAll(async () => {
  h = await startHerald({ env: { ...(await engineEnv()), HERALD_SEED: 'none', SITE_NAME: 'Acme', SITE_URL: 'https://status.acme.test' } });
  expect((await h.admin('/components', { body: { id: 'api', name: 'API' } })).status).toBe(201);
});
afterAll(() => stopAll(h));

/** The page's <meta> and <link> tags of a kind, by their name or property. */
const metas = (html: string) =>
  Object.fromEntries(
    [...html.matchAll(/<meta (?:name|property)="([^"]+)" content="([^"]*)">|<link rel="(canonical)" href="([^"]*)">/g)].map((m) =>
      m[1] ? [m[1], m[2]] : [m[3], m[4]],
    ),
  );

describe('a link pasted in Slack, Teams or a ticket, and found by a search engine', () => {
  it('unfurls to what the page says now, at its one address on SITE_URL; a page that is not there is not indexed', async () => {
    // A page with no incident: the card says so. Before: no card tags and no canonical URL on any page.
    expect(metas((await page('/?utm_source=slack')).html)).toMatchObject({
      canonical: 'https://status.acme.test/',
      'og:url': 'https://status.acme.test/',
      'og:title': 'Acme',
      'og:site_name': 'Acme',
      'og:type': 'website',
      'og:description': 'All Systems Operational.',
      'twitter:card': 'summary',
      // What search results show stays true after the incident: no state in it.
      description: 'Current status, incidents and maintenance for Acme.',
    });
    const res = await h.admin('/incidents', {
      body: { name: 'Card <b>"errors"</b>', impact: 'major', body: 'Looking.', components: { api: 'partial_outage' } },
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    expect(metas((await page('/')).html)).toMatchObject({
      'og:description': 'Partial System Outage. Active incident: Card <b>&quot;errors&quot;</b> (Investigating).',
    });
    expect(metas((await page(`/incidents/${id}?fbclid=x`)).html)).toMatchObject({
      canonical: `https://status.acme.test/incidents/${id}`,
      'og:url': `https://status.acme.test/incidents/${id}`,
      'og:title': 'Card <b>&quot;errors&quot;</b>',
      'og:description': 'Investigating: Card <b>&quot;errors&quot;</b>',
    });
    // The first history page has one address; a page that is not there has none, and is not indexed.
    expect(metas((await page('/history?page=1&utm_campaign=x')).html).canonical).toBe('https://status.acme.test/history');
    for (const path of ['/history?page=99', '/incidents/INC-1999-01-01-1', '/no-such-page']) {
      const { status, html } = await page(path);
      expect(status, path).toBe(404);
      expect(metas(html), path).toMatchObject({ robots: 'noindex, nofollow' });
      expect(metas(html), path).not.toHaveProperty('canonical');
    }
    expect(metas((await page('/')).html)).not.toHaveProperty('robots');
    // A window under way is said too; first when the state is its (from a hunt: "Service Under Maintenance.
    // Active incident: … (Monitoring)." named no window).
    const from = new Date(Date.now() + 3_600_000).toISOString();
    const until = new Date(Date.now() + 7_200_000).toISOString();
    const window = await h.admin('/maintenances', {
      body: { name: 'CDN switch', scheduled_for: from, scheduled_until: until, components: ['api'], body: 'Switching.' },
    });
    const { id: mid } = (await window.json()) as { id: string };
    expect((await h.admin(`/maintenances/${mid}/start`, { body: {} })).status).toBe(201);
    expect(metas((await page('/')).html)['og:description']).toBe(
      'Partial System Outage. Active incident: Card <b>&quot;errors&quot;</b> (Investigating). Maintenance in progress: CDN switch.',
    );
    expect(
      (await h.admin(`/incidents/${id}/updates`, { body: { status: 'monitoring', body: 'Fixed.', components: { api: 'operational' } } }))
        .status,
    ).toBe(201);
    expect(metas((await page('/')).html)['og:description']).toBe(
      'Service Under Maintenance. Maintenance in progress: CDN switch. Active incident: Card <b>&quot;errors&quot;</b> (Monitoring).',
    );
    expect((await h.admin(`/maintenances/${mid}/complete`, { body: {} })).status).toBe(201);
    expect((await h.admin(`/incidents/${id}`, { method: 'DELETE' })).status).toBe(204);
  });
});

describe('public pages, as a screen reader reads them', () => {
  it('an incident page: its way back is navigation, and the estimate is a <time> with the instant', async () => {
    const eta = new Date(Date.now() + 3 * 3_600_000).toISOString();
    const res = await h.admin('/incidents', {
      body: {
        name: 'API errors',
        impact: 'minor',
        status: 'investigating',
        body: 'Looking.',
        components: { api: 'degraded_performance' },
        eta,
      },
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const { html } = await page(`/incidents/${id}`);
    expect(html).toMatch(
      /<nav class="crumbs" aria-label="Breadcrumb"><a href="\/">Current status<\/a><span aria-hidden="true"> › <\/span><a href="\/history">History<\/a><\/nav>/,
    );
    const estimate = /<dt>Estimated resolution<\/dt><dd>(.*?)<\/dd>/.exec(html)?.[1] ?? '';
    expect(estimate).toMatch(new RegExp(`^<time datetime="${eta.replace(/\./g, '\\.')}">[^<]+ UTC</time>$`));
    expect((await page('/history')).html).toContain('<nav class="crumbs" aria-label="Breadcrumb">');
  });

  it('a dead manage or unsubscribe link says so in the title and the heading, as the confirm page does', async () => {
    for (const [path, expected] of [
      ['/subscribe/manage/bogus', 'This link is not valid'],
      ['/unsubscribe/bogus', 'This unsubscribe link is not valid'],
    ] as const) {
      const { status, html } = await page(path);
      expect(status, path).toBe(404);
      // Before: headed "Manage your subscription" and "Unsubscribe", the form's name, under a title saying it is dead.
      expect([title(html), /<h1>([^<]*)<\/h1>/.exec(html)?.[1]], path).toEqual([`${expected} · Acme`, expected]);
    }
  });

  it('a component deleted since keeps its name in /history, as on the incident page (not its id)', async () => {
    expect((await h.admin('/components', { body: { id: 'billing-service', name: 'Billing Service' } })).status).toBe(201);
    const made = await h.admin('/incidents', {
      body: { name: 'Invoices late', impact: 'minor', body: 'Looking.', components: { 'billing-service': 'degraded_performance' } },
    });
    const { id } = (await made.json()) as { id: string };
    expect((await h.admin(`/incidents/${id}/updates`, { body: { status: 'resolved', body: 'Fixed.' } })).status).toBe(201);
    expect((await h.admin('/components/billing-service?force=true', { method: 'DELETE' })).status).toBeLessThan(300);
    const history = (await page('/history')).html;
    expect(history).toContain('Affected: <bdi>Billing Service</bdi>');
    expect(history).not.toContain('billing-service<');
    expect((await page(`/incidents/${id}`)).html).toContain('Billing Service');
  });

  it('names in "Affects"/"Affected" are each isolated (<bdi>), so a right-to-left name keeps its place in the list', async () => {
    const names = { pay: 'مدفوعات البطاقات', cards: 'תשלומים בכרטיס', mail: 'Email' };
    for (const [id, name] of Object.entries(names)) expect((await h.admin('/components', { body: { id, name } })).status).toBe(201);
    const made = await h.admin('/incidents', {
      body: {
        name: 'Payments failing',
        impact: 'major',
        body: 'Looking.',
        components: { pay: 'major_outage', cards: 'partial_outage', mail: 'degraded_performance' },
      },
    });
    const { id } = (await made.json()) as { id: string };
    const listed = `<bdi>${names.pay}</bdi>, <bdi>${names.cards}</bdi> and <bdi>Email</bdi>`;
    expect((await page(`/incidents/${id}`)).html).toContain(`Affects: ${listed}`);
    expect((await page('/')).html).toContain(`Affects: ${listed}`);
    expect((await page('/history')).html).toContain(`Affected: ${listed}`);
    expect((await h.admin(`/incidents/${id}/updates`, { body: { status: 'resolved', body: 'Fixed.' } })).status).toBe(201);
  });

  it('a resolved incident of no impact reads "No impact", not "No impact impact"; others "<Level> impact"', async () => {
    for (const [name, impact] of [
      ['Typo in docs', 'none'],
      ['Slow search', 'minor'],
    ] as const) {
      const made = await h.admin('/incidents', { body: { name, impact, body: 'Looking.' } });
      const { id } = (await made.json()) as { id: string };
      expect((await h.admin(`/incidents/${id}/updates`, { body: { status: 'resolved', body: 'Fixed.' } })).status).toBe(201);
      const severity = (html: string) => /<span class="severity-text">([^<]*)<\/span>/.exec(html)?.[1];
      const expected = impact === 'none' ? 'No impact' : 'Minor impact';
      expect(severity((await page(`/incidents/${id}`)).html), name).toBe(expected);
      const history = (await page('/history')).html;
      expect(severity(history.slice(history.indexOf(name))), `${name} in /history`).toBe(expected);
    }
    expect((await page('/history')).html).not.toContain('No impact impact');
  });

  it("the parts of an incident's line are words apart in its text, not only by the stylesheet's gaps", async () => {
    // Before: "Resolvedlasted under 1 minMinor impact" and "Resolved6 Dec 2026" without the stylesheet, in a reader view.
    const made = await h.admin('/incidents', { body: { name: 'Slow exports', impact: 'minor', body: 'Looking.' } });
    const { id } = (await made.json()) as { id: string };
    expect((await h.admin(`/incidents/${id}/updates`, { body: { status: 'resolved', body: 'Fixed.' } })).status).toBe(201);
    const asText = (html: string) => html.replace(/<[^>]+>/g, '');
    const line = (html: string, cls: string) =>
      asText(new RegExp(`<p class="${cls}">(.*?)</p>`, 's').exec(html.slice(html.indexOf('Slow exports')))![1]!);
    const incident = (await page(`/incidents/${id}`)).html;
    expect(line(incident, 'incident-meta')).toMatch(/^✓ Resolved lasted .+ Minor impact$/);
    expect(line(incident, 'update-head')).toMatch(/^Resolved \d/);
    expect(line((await page('/history')).html, 'incident-meta')).toMatch(/^✓ Resolved \d+ \w+ \d{4}, [\d:]+ \S+ lasted .+ Minor impact$/);
  });
});
