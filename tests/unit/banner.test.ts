import { renderMarkdown } from '../../src/render/markdown.ts';
import { describe, expect, it } from 'vitest';
import { bannerFor, bannerMessage, parseComponentFilter, truncateText, BANNER_MESSAGE_MAX } from '../../src/read/banner.ts';
import { firstSentence } from '../../src/render/first-sentence.ts';
import { integrationsDb } from '../helpers/integrations-fixture.ts';
import { declareIncident } from '../../src/domain/incidents/declare.ts';
import { postUpdate } from '../../src/domain/incidents/post-update.ts';
import { correctUpdate } from '../../src/domain/incidents/correct-update.ts';
import type { Db } from '../../src/domain/model.ts';
import { closedBidi } from '../../src/domain/text.ts';
import { updateTemplate } from '../../src/console/templates.ts';

const SITE = { SITE_URL: 'https://status.example.com', SITE_NAME: 'Example', SITE_TIMEZONE: 'UTC' };
const NOW = new Date('2026-11-22T12:00:00.000Z');
const ctx = (db: Db, minutes = 0) => ({ db, now: new Date(NOW.getTime() + minutes * 60_000), actor: 't', markdown: renderMarkdown });

/** Only the in-progress maintenance and nothing open. */
function quietDb(): Db {
  const db = integrationsDb(NOW);
  db.incidents = [];
  db.maintenances = db.maintenances.filter((m) => m.id !== 'MNT-now');
  for (const c of db.components) c.status = 'operational';
  return db;
}

describe('banner', () => {
  it('is inactive with the overall status when nothing is open', () => {
    const b = bannerFor(quietDb(), SITE);
    expect(b).toMatchObject({
      active: false,
      indicator: 'none',
      title: 'All Systems Operational',
      message: '',
      incident_id: null,
      kind: null,
      dismiss_key: null,
      components: [],
    });
    expect(b.url).toBe('https://status.example.com');
  });

  it('shows the most severe open incident with its latest update as plain text', () => {
    const db = integrationsDb(NOW);
    const b = bannerFor(db, SITE);
    const open = db.incidents.find((i) => i.name === 'Elevated API error rates')!;
    expect(b).toMatchObject({
      active: true,
      indicator: 'major',
      title: 'Elevated API error rates',
      message: 'The issue has been identified and a fix is being implemented.',
      incident_id: open.id,
      kind: 'incident',
      components: ['api'],
      url: `https://status.example.com/incidents/${open.id}`,
    });
    expect(b.dismiss_key).toBe(`${open.id}:${open.updates.at(-1)!.id}`);
  });

  it('an incident still being worked on wins over a more severe one being monitored (its fix is out)', () => {
    const db = quietDb();
    const fixed = declareIncident(ctx(db), {
      name: 'Everything is down',
      impact: 'critical',
      status: 'investigating',
      body: 'Down.',
      components: {},
    });
    postUpdate(ctx(db, 5), fixed.id, { status: 'monitoring', body: 'Fix deployed.' });
    const live = declareIncident(ctx(db, 1), {
      name: 'Payments failing',
      impact: 'major',
      status: 'identified',
      body: 'Failing.',
      components: {},
    });
    // Before: the critical one, monitored since, and its "Fix deployed." through the live outage.
    expect(bannerFor(db, SITE)).toMatchObject({ title: 'Payments failing', incident_id: live.id, message: 'Failing.' });
    // Once that one is monitored too, the most severe again.
    postUpdate(ctx(db, 6), live.id, { status: 'monitoring', body: 'Watching.' });
    expect(bannerFor(db, SITE)).toMatchObject({ incident_id: fixed.id });
  });

  // From a hunt: the monitored SEV-3 weighed what its component showed, the other incident's outage, and
  // headlined red ("critical") over that outage being worked on.
  it('a monitored incident weighs its own word on a component, not the outage another open incident gives it', () => {
    const db = quietDb();
    const minor = declareIncident(ctx(db), {
      name: 'Charts blank',
      impact: 'minor',
      status: 'investigating',
      body: 'Charts are blank.',
      components: { api: 'degraded_performance' },
    });
    postUpdate(ctx(db, 1), minor.id, { status: 'monitoring', body: 'Charts fix deployed; watching.' });
    const outage = declareIncident(ctx(db, 2), {
      name: 'Exports failing',
      impact: 'major',
      status: 'investigating',
      body: 'Exports fail.',
      components: { api: 'major_outage' },
    });
    expect(db.components.find((c) => c.id === 'api')!.status).toBe('major_outage');
    expect(bannerFor(db, SITE, ['api'])).toMatchObject({ incident_id: outage.id, indicator: 'major', message: 'Exports fail.' });
    // Once the outage is monitored too, each weighs its own word: the outage still wins, red as its component.
    postUpdate(ctx(db, 3), outage.id, { status: 'monitoring', body: 'Exports fixed; watching.' });
    expect(bannerFor(db, SITE, ['api'])).toMatchObject({ incident_id: outage.id, indicator: 'critical' });
    // Once the outage is resolved, the component back to the other's word, that one shows in its own colour.
    postUpdate(ctx(db, 4), outage.id, { status: 'resolved', body: 'Fixed.' });
    expect(bannerFor(db, SITE, ['api'])).toMatchObject({ incident_id: minor.id, indicator: 'minor' });
  });

  it('message has no Markdown or HTML, and is cut at a word with an ellipsis', () => {
    const db = quietDb();
    const long = `**Payments** are _failing_ <b>for</b> [some](https://x.example) cards ${'and more detail follows here '.repeat(30)}. Then more.`;
    declareIncident(ctx(db), { name: 'Card failures', impact: 'critical', status: 'investigating', body: long, components: {} });
    const b = bannerFor(db, SITE);
    expect(b.message).not.toMatch(/[*_<>[\]]/);
    expect(b.message.startsWith('Payments are failing for some cards and more detail')).toBe(true);
    expect(b.message.length).toBeLessThanOrEqual(BANNER_MESSAGE_MAX);
    expect(b.message.endsWith('…')).toBe(true);
    expect(b.message).not.toMatch(/ …$|\.…$/);
  });

  it('message keeps a space where the update broke a line, and leaves link URLs to the page', () => {
    const db = quietDb();
    const body = 'Payments are\ndelayed at [the bank](https://x.example/bank).\nWe expect recovery by noon.\n\n1. Retry\n2. See our guide';
    declareIncident(ctx(db), { name: 'Slow payments', impact: 'major', status: 'investigating', body, components: {} });
    expect(bannerFor(db, SITE).message).toBe('Payments are delayed at the bank.');
  });

  it("message is the update's first sentence: none of the template's list of facts, no estimate (that is `eta`)", () => {
    const db = quietDb();
    const eta = new Date(NOW.getTime() + 3 * 3_600_000).toISOString();
    const level = db.settings.severities[0]!;
    const facts = { components: ['Dashboard'], level, startedAt: NOW.toISOString(), eta, now: NOW, timeZone: 'Asia/Tokyo' };
    const body = updateTemplate('identified', facts);
    expect(body).toContain('- **Estimated resolution:** 23 Nov 2026, 00:00 GMT+9');
    const incident = declareIncident(ctx(db), { name: 'Dashboard slow', impact: 'major', status: 'identified', body, eta, components: {} });
    // Before: "We have identified … within 30 minutes. - Affected services: Dashboard - Estimated resolution: 23 Nov 2026, 00:00 GMT+9 - Started at: …"
    expect(bannerFor(db, SITE)).toMatchObject({
      title: 'Dashboard slow',
      message: 'We have identified the issue affecting Dashboard and are working on a fix.',
      eta: incident.eta,
    });
    // A body that is only a list: its first item.
    postUpdate(ctx(db, 1), incident.id, { status: 'monitoring', body: '- **Fix deployed** to every region\n- Watching' });
    expect(bannerFor(db, SITE).message).toBe('Fix deployed to every region');
  });

  it('message keeps the text of reference links, whose definitions are further down the body', () => {
    const db = quietDb();
    const body =
      'See [our status][1] and [the docs][] for updates.\n\n- Retry later\n\n[1]: https://x.example/status\n[the docs]: https://x.example/docs';
    const incident = declareIncident(ctx(db), { name: 'Slow logins', impact: 'major', status: 'investigating', body, components: {} });
    // Before: "See [our status][1] and [the docs][] for updates." (the lead lexed without the definitions).
    expect(bannerFor(db, SITE).message).toBe('See our status and the docs for updates.');
    // In a list item, the lead of a body without a paragraph, too.
    postUpdate(ctx(db, 1), incident.id, {
      status: 'identified',
      body: '- Caused by [a bad deploy][d]\n- Rolling back\n\n[d]: https://x.example/d',
    });
    expect(bannerFor(db, SITE).message).toBe('Caused by a bad deploy');
    // Without a paragraph, a heading leads before a list.
    postUpdate(ctx(db, 2), incident.id, {
      status: 'monitoring',
      body: '### Fix deployed\n\n- Watching [the graphs][g]\n\n[g]: https://x.example/g',
    });
    expect(bannerFor(db, SITE).message).toBe('Fix deployed');
  });

  it('message closes a bidirectional override or isolate the update leaves open, so the text an app shows after it is not turned around', () => {
    const db = quietDb();
    const made = declareIncident(ctx(db), {
      name: 'Search down',
      impact: 'major',
      status: 'investigating',
      components: {},
      body: '\u202efix deployed, watching',
    });
    expect(bannerFor(db, SITE).message).toBe('\u202efix deployed, watching\u202c');
    postUpdate(ctx(db, 1), made.id, {
      status: 'monitoring',
      body: 'مرحبا \u2067עברית\u202b nested and closed \u202c then \u2069 done, and \u2068left open',
    });
    expect(bannerFor(db, SITE).message).toBe(
      'مرحبا \u2067עברית\u202b nested and closed \u202c then \u2069 done, and \u2068left open\u2069',
    );
    // One the body closes itself is left as it is.
    postUpdate(ctx(db, 2), made.id, { status: 'monitoring', body: 'Name: \u2067فريق\u2069 is on it' });
    expect(bannerFor(db, SITE).message).toBe('Name: \u2067فريق\u2069 is on it');
  });

  it('the message stays within 280 characters with the closing marks counted in', () => {
    const open = '\u202e'.repeat(6);
    const message = bannerMessage(`${open}${'word '.repeat(80)}`);
    expect(message.length).toBeLessThanOrEqual(BANNER_MESSAGE_MAX);
    expect(message.endsWith('…\u202c\u202c\u202c\u202c\u202c\u202c')).toBe(true);
    expect(bannerMessage('short \u2067x')).toBe('short \u2067x\u2069');
  });

  it('closedBidi pairs as Unicode does: a PDI closes the embeddings opened inside its isolate; a PDF closes no isolate', () => {
    expect(closedBidi('plain')).toBe('plain');
    expect(closedBidi('\u2067a\u202bb\u2069c')).toBe('\u2067a\u202bb\u2069c');
    expect(closedBidi('\u202ba\u2067b\u202cc')).toBe('\u202ba\u2067b\u202cc\u2069\u202c');
    expect(closedBidi('\u202a\u202d x')).toBe('\u202a\u202d x\u202c\u202c');
  });

  it('firstSentence ends at . ! or ? before a space, and keeps a text with none', () => {
    expect(firstSentence('Down!  Back soon.')).toBe('Down!');
    expect(firstSentence('Version 2.1 is slow? We look.')).toBe('Version 2.1 is slow?');
    expect(firstSentence('No stop here')).toBe('No stop here');
    // From a hunt: the banner read "Searches such as https://shop.example.com/search?".
    expect(firstSentence('Searches such as https://shop.example.com/search?q=shoes fail. We are on it.')).toBe(
      'Searches such as https://shop.example.com/search?q=shoes fail.',
    );
    expect(firstSentence('See example.com/faq!important now. Then more.')).toBe('See example.com/faq!important now.');
    expect(firstSentence('See <https://x.example/a?b=1>. Then more.')).toBe('See <https://x.example/a?b=1>.');
    // A full stop that takes no space after it still ends a sentence.
    expect(firstSentence('支付服务中断。我们正在调查。')).toBe('支付服务中断。');
  });

  it('firstSentence reads past abbreviations as a reader does (Unicode sentence breaks), not at every ". "', () => {
    // Before: "Errors since 10:00 UTC, e.g." and "Logins fail for U.S."
    expect(firstSentence('Errors since 10:00 UTC, e.g. timeouts on checkout. More soon.')).toBe(
      'Errors since 10:00 UTC, e.g. timeouts on checkout.',
    );
    expect(firstSentence('Logins fail for U.S. customers. We are looking.')).toBe('Logins fail for U.S. customers.');
    // From a review: Unicode's rules end a sentence after a title, and the banner read "Mr." alone.
    expect(firstSentence('Mr. Smith and the U.S. team are on it, e.g. timeouts. Next.')).toBe(
      'Mr. Smith and the U.S. team are on it, e.g. timeouts.',
    );
    expect(firstSentence('Dr. Ada and Prof. Lin are on call. Next.')).toBe('Dr. Ada and Prof. Lin are on call.');
    // From a hunt: Unicode's rules end a sentence at a dotted abbreviation or a company's suffix before a
    // capital; the banners read "Some customers (e.g." and "…affecting U.S.". Before: those fragments.
    expect(firstSentence('Some customers (e.g. Enterprise plan customers) cannot sign in. We are on it.')).toBe(
      'Some customers (e.g. Enterprise plan customers) cannot sign in.',
    );
    expect(firstSentence('We have identified the issue affecting U.S. East and EU West. A fix is rolling out.')).toBe(
      'We have identified the issue affecting U.S. East and EU West.',
    );
    expect(firstSentence('Orders placed between 10 a.m. and 11 a.m. UTC failed. Retry them.')).toBe(
      'Orders placed between 10 a.m. and 11 a.m. UTC failed.',
    );
    expect(firstSentence('Card payments through Acme Inc. Payments fail. We are on it.')).toBe(
      'Card payments through Acme Inc. Payments fail.',
    );
    expect(firstSentence('Exports fail (see the FAQ. Then retry) for some. Next.')).toBe(
      'Exports fail (see the FAQ. Then retry) for some.',
    );
    // Where one did end a sentence, the two read whole rather than cut: still one line for an app.
    expect(firstSentence('The outage began at 10 a.m. We are investigating.')).toBe('The outage began at 10 a.m. We are investigating.');
    // A sentence that only ends in a title's letters is still a sentence: "ms" is no "Ms".
    expect(firstSentence('The fix is in. Next update soon.')).toBe('The fix is in.');
    expect(firstSentence('Latency is above 500 ms. We are investigating.')).toBe('Latency is above 500 ms.');
    expect(firstSentence('Deploys paused until 09:00 MT. More soon.')).toBe('Deploys paused until 09:00 MT.');
    expect(firstSentence('Payments fail (see the docs.) We are on it.')).toBe('Payments fail (see the docs.)');
  });

  it("message of an update that opens with a quote is the quote's text, without its marker", () => {
    const db = quietDb();
    declareIncident(ctx(db), {
      name: 'Logins',
      impact: 'minor',
      status: 'investigating',
      body: '> Customers report login errors. We are looking.\n> More soon.',
      components: {},
    });
    // Before: "> Customers report login errors."
    expect(bannerFor(db, SITE).message).toBe('Customers report login errors.');
  });

  it('dismiss_key changes with every new update, not with a correction', () => {
    const db = integrationsDb(NOW);
    const open = db.incidents.find((i) => i.name === 'Elevated API error rates')!;
    const k1 = bannerFor(db, SITE).dismiss_key;
    correctUpdate(ctx(db, 1), open.id, open.updates.at(-1)!.id, 'The issue has been identified; a fix is rolling out.');
    const corrected = bannerFor(db, SITE);
    expect(corrected.dismiss_key).toBe(k1);
    expect(corrected.message).toBe('The issue has been identified; a fix is rolling out.');
    postUpdate(ctx(db, 2), open.id, { status: 'monitoring', body: 'Fix deployed.' });
    expect(bannerFor(db, SITE).dismiss_key).not.toBe(k1);
  });

  it('a monitored incident whose component is still down outweighs a trivial one under investigation; the colour is what it shows', () => {
    const db = quietDb();
    const queue = declareIncident(ctx(db), {
      name: 'Queue down',
      impact: 'critical',
      status: 'investigating',
      body: 'Down.',
      components: { api: 'major_outage' },
    });
    postUpdate(ctx(db, 5), queue.id, { status: 'monitoring', body: 'A fix is out.' });
    const typo = declareIncident(ctx(db, 6), {
      name: 'Docs typo',
      impact: 'none',
      status: 'investigating',
      body: 'A typo.',
      components: {},
    });
    // Before: the typo, in the page's red (indicator critical), linking away from the outage.
    expect(bannerFor(db, SITE)).toMatchObject({ title: 'Queue down', indicator: 'critical', incident_id: queue.id });
    expect(bannerFor(db, SITE, parseComponentFilter('api', db))).toMatchObject({ title: 'Queue down', indicator: 'critical' });
    // Its component back: the fix held, and the one being worked on shows, in its own colour.
    postUpdate(ctx(db, 7), queue.id, { status: 'monitoring', body: 'Recovered.', components: { api: 'operational' } });
    expect(bannerFor(db, SITE)).toMatchObject({ title: 'Docs typo', indicator: 'none', incident_id: typo.id });
    // An app filtered to a component that is back sees the monitored incident in the colour of that
    // component, not red because another of its components is still down.
    postUpdate(ctx(db, 8), typo.id, { status: 'resolved', body: 'Fixed.' });
    const wide = declareIncident(ctx(db, 8), {
      name: 'Database down',
      impact: 'critical',
      status: 'investigating',
      body: 'Down.',
      components: { api: 'major_outage', dashboard: 'major_outage' },
    });
    postUpdate(ctx(db, 9), wide.id, { status: 'monitoring', body: 'API back.', components: { api: 'operational' } });
    expect(bannerFor(db, SITE, parseComponentFilter('api', db))).toMatchObject({ title: 'Database down', indicator: 'none' });
    expect(bannerFor(db, SITE)).toMatchObject({ title: 'Database down', indicator: 'critical' });
  });

  it('an in-progress maintenance shows when nothing worse is open', () => {
    const db = integrationsDb(NOW);
    db.incidents = [];
    for (const c of db.components) if (c.id !== 'webhooks') c.status = 'operational';
    const b = bannerFor(db, SITE);
    expect(b).toMatchObject({
      active: true,
      indicator: 'maintenance',
      title: 'Webhook delivery upgrade',
      incident_id: 'MNT-now',
      // An app tells a window from an incident by this, not by the id's shape.
      kind: 'maintenance',
      components: ['webhooks'],
    });
    // Its end is known: the window's scheduled end, as an instant like an incident's estimate (it was null).
    const window = db.maintenances.find((m) => m.id === 'MNT-now')!;
    expect(b.eta).toBe(new Date(window.scheduled_until).toISOString());
    expect(b.eta).toBe(new Date(NOW.getTime() + 120 * 60_000).toISOString());
    // Verifying is still the window: the same end.
    window.status = 'verifying';
    expect(bannerFor(db, SITE)).toMatchObject({ incident_id: 'MNT-now', eta: b.eta });
    window.status = 'in_progress';
    // Scheduled, completed and cancelled windows never show.
    db.maintenances = db.maintenances.filter((m) => m.id !== 'MNT-now');
    db.components.find((c) => c.id === 'webhooks')!.status = 'operational';
    expect(bannerFor(db, SITE).active).toBe(false);
  });

  it("an incident shown over a running maintenance keeps its own estimate, never the window's end", () => {
    const db = integrationsDb(NOW);
    const shown = bannerFor(db, SITE);
    expect(shown).toMatchObject({ title: 'Elevated API error rates', eta: null });
    const open = db.incidents.find((i) => i.status !== 'resolved')!;
    const eta = new Date(NOW.getTime() + 45 * 60_000).toISOString();
    postUpdate(ctx(db, 1), open.id, { status: 'identified', body: 'Still on it.', eta });
    expect(bannerFor(db, SITE)).toMatchObject({ title: 'Elevated API error rates', eta });
  });

  it('?components= limits the banner to what an app cares about', () => {
    const db = integrationsDb(NOW);
    const dashOnly = bannerFor(db, SITE, parseComponentFilter('dashboard', db));
    expect(dashOnly).toMatchObject({ active: false, indicator: 'none' });
    const webhooks = bannerFor(db, SITE, parseComponentFilter('webhooks', db));
    expect(webhooks).toMatchObject({ active: true, incident_id: 'MNT-now', indicator: 'maintenance' });
    const both = bannerFor(db, SITE, parseComponentFilter('webhooks, api', db));
    expect(both).toMatchObject({ active: true, title: 'Elevated API error rates', indicator: 'major' });
  });

  it('an incident naming no component concerns every filter', () => {
    const db = quietDb();
    declareIncident(ctx(db), { name: 'Login outage', impact: 'minor', status: 'investigating', body: 'Looking.', components: {} });
    expect(bannerFor(db, SITE, parseComponentFilter('dashboard', db))).toMatchObject({ active: true, title: 'Login outage' });
  });

  it('parses filters: group ids expand, unknown ids drop, order and duplicates do not matter', () => {
    const db = integrationsDb(NOW);
    const core = db.groups[0]!.id;
    expect(parseComponentFilter(undefined, db)).toBeNull();
    expect(parseComponentFilter(' ', db)).toBeNull();
    expect(parseComponentFilter(core, db)).toEqual(['api', 'dashboard']);
    expect(parseComponentFilter('webhooks,nope,api,api', db)).toEqual(['api', 'webhooks']);
    // Only unknown ids (a typo, a component since deleted): no filter, so an outage still shows.
    expect(parseComponentFilter('nope', db)).toBeNull();
    expect(parseComponentFilter('nope,,gone', db)).toBeNull();
    // A repeated parameter counts every value.
    expect(parseComponentFilter(['webhooks', 'api'], db)).toEqual(['api', 'webhooks']);
  });

  it('a filter of unknown ids alone still shows an outage', () => {
    const db = integrationsDb(NOW);
    expect(bannerFor(db, SITE, parseComponentFilter('api-typo', db))).toMatchObject({ active: true, indicator: 'major' });
  });

  it('truncateText keeps short text and collapses whitespace', () => {
    expect(truncateText('  a \n\n b  ')).toBe('a b');
    expect(truncateText('x'.repeat(400), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});
