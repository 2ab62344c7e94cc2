import { describe, expect, it } from 'vitest';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { atomDate, element, emptyElement, escapeXml, rssDate, tagAuthority } from '../../src/feeds/xml.ts';
import { splitLead, trailHtml, trailItems } from '../../src/feeds/trail.ts';
import { entryId, feedEntries, feedTitle } from '../../src/feeds/entries.ts';
import { ICS_LIMIT, maintenanceCalendar } from '../../src/feeds/ics.ts';
import { T0, ctx, db, incident, update } from '../helpers/db.ts';
import { declareIncident } from '../../src/domain/incidents/declare.ts';
import { scheduleMaintenance } from '../../src/domain/maintenance/schedule.ts';
import { cancelMaintenance, completeMaintenance, startMaintenance } from '../../src/domain/maintenance/transitions.ts';

const parse = (xml: string) => new XMLParser({ ignoreAttributes: false, parseTagValue: false, trimValues: false }).parse(xml);

describe('escapeXml', () => {
  const cases: Array<[string, string, string]> = [
    ['markup', '<script>alert("x")</script>', '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'],
    ['ampersand first (no double escaping)', 'a &amp; b & c', 'a &amp;amp; b &amp; c'],
    ['single quotes, as the reference feeds write them', "data-var='date'", 'data-var=&apos;date&apos;'],
    ['C0 controls that XML 1.0 forbids are dropped', 'a\u0000b\u0008c\u000Bd\u001Fe', 'abcde'],
    ['tab, LF and CR stay', 'a\tb\nc\rd', 'a\tb\nc\rd'],
    ['lone surrogates and U+FFFE/FFFF are dropped', 'x\uD800y\uDFFFz\uFFFE\uFFFF', 'xyz'],
    ['a valid surrogate pair (emoji) stays', 'ok 🚀', 'ok 🚀'],
    ['CDATA terminators are harmless once escaped', ']]>', ']]&gt;'],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    expect(escapeXml(input)).toBe(expected);
  });

  it('round-trips every case through a strict XML parser', () => {
    for (const [, input] of cases) {
      const xml = `<r>${element('t', input, { a: input })}</r>`;
      expect(XMLValidator.validate(xml)).toBe(true);
      const t = parse(xml).r.t;
      const clean = input.replace(
        /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
        '',
      );
      // XML end-of-line handling turns CR into LF; that is the parser's job, not a loss.
      expect(String(t['#text'] ?? '')).toBe(clean.replace(/\r\n?/g, '\n'));
      if (!/[\t\n\r]/.test(clean)) expect(t['@_a']).toBe(clean);
    }
  });

  it('writes empty elements with escaped attributes', () => {
    expect(emptyElement('link', { rel: 'alternate', href: 'https://x.example/?a=1&b="2"' })).toBe(
      '<link rel="alternate" href="https://x.example/?a=1&amp;b=&quot;2&quot;"/>',
    );
  });
});

describe('feed dates, ids and titles', () => {
  it('formats Atom dates without milliseconds and RSS dates with +0000', () => {
    expect(atomDate('2026-01-15T10:05:00.123Z')).toBe('2026-01-15T10:05:00Z');
    expect(atomDate('2026-01-15T11:05:00+01:00')).toBe('2026-01-15T10:05:00Z');
    expect(rssDate('2026-01-15T10:05:00.000Z')).toBe('Thu, 15 Jan 2026 10:05:00 +0000');
  });

  it('tag URIs use the public host name only, and ids keep \\w characters for consumers', () => {
    expect(tagAuthority('https://Status.Example.com:8443/x')).toBe('status.example.com');
    expect(entryId('status.example.com', 'INC-2026-11-22-1')).toBe('tag:status.example.com,2005:Incident/INC_2026_11_22_1');
    expect(/Incident\/(\w+)/.exec(entryId('h', 'MNT-2026-11-22-12'))![1]).toBe('MNT_2026_11_22_12');
  });

  it('titles the feed like Statuspage without doubling "Status"', () => {
    expect(feedTitle('Example')).toBe('Example Status - Incident History');
    expect(feedTitle('Herald Status')).toBe('Herald Status - Incident History');
  });
});

describe('update trail', () => {
  it('follows the reference: newest first, label first, "Update" when the status did not change', () => {
    const inc = incident('INC-1', 'major', 'monitoring', {
      updates: [
        update('u1', 'investigating', '2026-01-05T09:30:00.000Z', 'We are investigating.'),
        update('u2', 'monitoring', '2026-01-05T10:00:00.000Z', 'A fix is out.'),
        update('u3', 'monitoring', '2026-01-05T10:20:00.000Z', 'Still fine.'),
      ],
    });
    expect(trailItems(inc).map((i) => i.label)).toEqual(['Update', 'Monitoring', 'Investigating']);
    expect(trailHtml(inc, 'UTC', 'https://status.example.com')).toBe(
      "<p><small>Jan <var data-var='date'> 5</var>, <var data-var='time'>10:20</var> UTC</small><br><strong>Update</strong> - Still fine.</p>" +
        "<p><small>Jan <var data-var='date'> 5</var>, <var data-var='time'>10:00</var> UTC</small><br><strong>Monitoring</strong> - A fix is out.</p>" +
        "<p><small>Jan <var data-var='date'> 5</var>, <var data-var='time'>09:30</var> UTC</small><br><strong>Investigating</strong> - We are investigating.</p>",
    );
  });

  it('shows times in the page time zone with its abbreviation', () => {
    const inc = incident('INC-2', 'minor', 'investigating', { updates: [update('u1', 'investigating', '2026-07-01T23:30:00.000Z', 'x')] });
    expect(trailHtml(inc, 'America/Chicago', 'https://status.example.com')).toContain(
      "Jul <var data-var='date'> 1</var>, <var data-var='time'>18:30</var> CDT",
    );
    // As the page writes it: en-US alone would say GMT+2.
    expect(trailHtml(inc, 'Europe/Berlin', 'https://status.example.com')).toContain(
      "Jul <var data-var='date'> 2</var>, <var data-var='time'>01:30</var> CEST",
    );
  });

  it('keeps block content valid: the first paragraph joins the label, the rest follows', () => {
    expect(splitLead('<p>One</p>\n<ul><li>a</li></ul>')).toEqual({ lead: 'One', rest: '<ul><li>a</li></ul>' });
    expect(splitLead('<ul><li>a</li></ul>')).toEqual({ lead: '', rest: '<ul><li>a</li></ul>' });
  });

  it('adds a published postmortem at the top', () => {
    const inc = incident('INC-3', 'major', 'postmortem', {
      updates: [update('u1', 'resolved', '2026-01-05T09:30:00.000Z', 'Resolved.')],
      postmortem: {
        body: 'Root cause',
        body_html: '<p>Root cause</p>',
        updated_at: '2026-01-06T09:00:00.000Z',
        published_at: '2026-01-06T09:00:00.000Z',
        notify: false,
      },
    });
    expect(trailItems(inc).map((i) => i.label)).toEqual(['Postmortem', 'Resolved']);
  });

  // From a feed conformance hunt: the postmortem went above every update, a note posted after it included,
  // so the trail's times ran backwards and readers took the postmortem for the latest news.
  it('puts a postmortem in its place in time: below a note posted after its publication', () => {
    const inc = incident('INC-5', 'major', 'postmortem', {
      updates: [
        update('u1', 'investigating', '2026-01-05T09:00:00.000Z', 'Down.'),
        update('u2', 'resolved', '2026-01-05T09:35:00.000Z', 'Fixed.'),
        update('u3', 'resolved', '2026-01-05T09:36:00.000Z', 'Follow-up: credits issued.'),
      ],
      postmortem: {
        body: 'The certificate expired.',
        body_html: '<p>The certificate expired.</p>',
        updated_at: '2026-01-05T09:35:00.000Z',
        published_at: '2026-01-05T09:35:00.000Z',
        notify: false,
      },
    });
    expect(trailItems(inc).map((i) => i.label)).toEqual(['Update', 'Postmortem', 'Resolved', 'Investigating']);
    const times = trailItems(inc).map((i) => Date.parse(i.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('a body that opens with a heading (a postmortem\'s "## Summary"): the label alone, no dangling " - "', () => {
    const inc = incident('INC-4', 'major', 'postmortem', {
      updates: [update('u1', 'resolved', '2026-01-05T09:30:00.000Z', 'Resolved.')],
      postmortem: {
        body: '## Summary\n\nA bad deploy.',
        body_html: '<h2>Summary</h2>\n<p>A bad deploy.</p>',
        updated_at: '2026-01-06T09:00:00.000Z',
        published_at: '2026-01-06T09:00:00.000Z',
        notify: false,
      },
    });
    expect(trailHtml(inc, 'UTC', 'https://status.example.com')).toMatch(
      /^<p><small>[^<]*<var[^>]*>[^<]*<\/var>, <var[^>]*>09:00<\/var> UTC<\/small><br><strong>Postmortem<\/strong><\/p><h2>Summary<\/h2>/,
    );
  });
});

describe('feedEntries', () => {
  const SITE = { SITE_URL: 'https://status.example.com', SITE_NAME: 'Example', SITE_TIMEZONE: 'UTC' };
  const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000).toISOString();

  it('keeps what is live however many past incidents were written after it (a bulk backfill), the rest newest first', () => {
    const d = db();
    const open = declareIncident(ctx(d, 0), {
      name: 'Queue down',
      impact: 'critical',
      status: 'investigating',
      components: {},
      body: 'Looking.',
    });
    const window = scheduleMaintenance(ctx(d, 1), { name: 'Upgrade', scheduled_for: at(600), scheduled_until: at(660), components: [] });
    for (let n = 1; n <= 3; n++)
      declareIncident(ctx(d, 10 + n), {
        name: `Past ${n}`,
        impact: 'minor',
        status: 'resolved',
        components: {},
        body: 'Recorded after the fact.',
        started_at: at(-10_000 - n * 100),
        resolved_at: at(-10_000 - n * 100 + 30),
      });
    expect(feedEntries(d, SITE, 2).map((e) => e.title)).toEqual(['Upgrade', 'Queue down']);
    expect(feedEntries(d, SITE, 10).map((e) => e.title)).toEqual(['Upgrade', 'Queue down', 'Past 1', 'Past 2', 'Past 3']);
    expect(feedEntries(d, SITE, 1).map((e) => e.title)).toEqual(['Upgrade', 'Queue down']);
    expect(window.status).toBe('scheduled');
    expect(open.status).toBe('investigating');
  });

  // From a hunt on backfills: ordered by when records were written, 100 incidents of 2020 imported today took
  // every place, each dated today, and an outage resolved a minute before the import left the feed.
  it('orders by what happened when, not by when it was typed in: a backfill goes below what happened after it', () => {
    const d = db();
    declareIncident(ctx(d, 0), {
      name: 'Checkout failures',
      impact: 'major',
      status: 'resolved',
      components: {},
      body: 'Fixed.',
      started_at: at(-60),
    });
    for (let n = 1; n <= 3; n++)
      declareIncident(ctx(d, 10 + n), {
        name: `Imported ${n}`,
        impact: 'minor',
        status: 'resolved',
        components: {},
        body: 'From the old status page.',
        started_at: at(-500_000 - n * 1000),
        resolved_at: at(-500_000 - n * 1000 + 60),
      });
    const entries = feedEntries(d, SITE, 2);
    expect(entries.map((e) => e.title)).toEqual(['Checkout failures', 'Imported 1']);
    // Published when it began, a year back; updated when it was written.
    expect(entries[1]!.published).toBe(at(-501_000));
    expect(entries[1]!.updated).toBe(at(11));
    expect(entries[0]!.published).toBe(at(-60));
  });

  it('windows planned ahead, more than the limit, leave room for the most recent past ones (an outage resolved a minute ago)', () => {
    // From a hunt: 200 windows planned ahead took all 100 places, and a resolved outage left the feed.
    const d = db();
    for (let n = 1; n <= 4; n++)
      scheduleMaintenance(ctx(d, n), {
        name: `Window ${n}`,
        scheduled_for: at(600 * n),
        scheduled_until: at(600 * n + 60),
        components: [],
      });
    declareIncident(ctx(d, 10), {
      name: 'Checkout failures',
      impact: 'major',
      status: 'resolved',
      components: {},
      body: 'Fixed.',
      started_at: at(5),
      resolved_at: at(9),
    });
    const titles = feedEntries(d, SITE, 3).map((e) => e.title);
    expect(titles[0]).toBe('Checkout failures');
    expect(titles.toSorted()).toEqual(['Checkout failures', 'Window 1', 'Window 2', 'Window 3', 'Window 4']);
  });
});

describe('a maintenance entry says when the window is, whatever its notice says', () => {
  const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000).toISOString();

  it('after the trail (the first <strong> stays the status): scheduled, started, carried out, or was scheduled', () => {
    const d = db();
    const m = scheduleMaintenance(ctx(d), {
      name: 'Router swap',
      scheduled_for: at(600),
      scheduled_until: at(660),
      components: [],
      body: 'We are swapping the core router.',
    });
    const html = () => trailHtml(m, 'UTC', 'https://status.example.com');
    expect(html()).toMatch(
      /^<p><small>Nov <var data-var='date'>22<\/var>, <var data-var='time'>09:00<\/var> UTC<\/small><br><strong>Scheduled<\/strong> - We are swapping/,
    );
    expect(html()).toMatch(/<p><small>Scheduled for Nov 22, 2026, 19:00 UTC to Nov 22, 2026, 20:00 UTC<\/small><\/p>$/);
    startMaintenance(ctx(d, 30), m.id);
    expect(html()).toMatch(/<p><small>Started Nov 22, 2026, 09:30 UTC, scheduled to end Nov 22, 2026, 20:00 UTC<\/small><\/p>$/);
    completeMaintenance(ctx(d, 90), m.id);
    expect(html()).toMatch(/<p><small>Carried out Nov 22, 2026, 09:30 UTC to Nov 22, 2026, 10:30 UTC<\/small><\/p>$/);
    const off = scheduleMaintenance(ctx(d), { name: 'Off', scheduled_for: at(6000), scheduled_until: at(6060), components: [] });
    cancelMaintenance(ctx(d, 1), off.id);
    expect(trailHtml(off, 'UTC', 'https://status.example.com')).toMatch(
      /<p><small>Was scheduled for Nov 26, 2026, 13:00 UTC to Nov 26, 2026, 14:00 UTC<\/small><\/p>$/,
    );
    // Its last step reads "Completed", its status: the first <strong>, which readers take for the status, holds no
    // label Statuspage's feeds lack (from a hunt: it read "Cancelled"). Its text says it was cancelled.
    expect(/<strong>([^<]*)<\/strong> - ([^<]*)/.exec(trailHtml(off, 'UTC', 'https://status.example.com'))?.slice(1)).toEqual([
      'Completed',
      expect.stringMatching(/^This scheduled maintenance has been cancelled/),
    ]);
    expect(/<strong>([^<]*)<\/strong>/.exec(html())?.[1]).toBe('Completed');
  });
});

describe('the maintenance calendar', () => {
  it('carries every window not over, the next one included, however many are planned beyond its limit', () => {
    // From a hunt: cut by start, newest first, it kept the windows furthest ahead and left out the next ones.
    const d = db();
    const SITE = { SITE_URL: 'https://status.example.com', SITE_NAME: 'Example', SITE_TIMEZONE: 'UTC' };
    const at = (hours: number) => new Date(T0.getTime() + hours * 3_600_000).toISOString();
    for (let n = 1; n <= ICS_LIMIT + 2; n++) {
      const name = `Window ${String(n).padStart(3, '0')}`;
      scheduleMaintenance(ctx(d), { name, scheduled_for: at(n * 24), scheduled_until: at(n * 24 + 1), components: [] });
    }
    const summaries = maintenanceCalendar(d, SITE)
      .replace(/\r\n[ \t]/g, '')
      .split('\r\n')
      .filter((l) => l.startsWith('SUMMARY:'));
    expect(summaries).toHaveLength(ICS_LIMIT + 2);
    expect(summaries).toContain('SUMMARY:Maintenance: Window 001');
  });

  it('ends each event after its start, in whole seconds, a window started and completed within one second too', () => {
    // From a hunt: started at .700 and completed at .730 of one second, it read DTSTART and DTEND both 090000Z,
    // which RFC 5545 forbids (DTEND "MUST be later"): strict importers drop the event, or the calendar.
    const d = db();
    const SITE = { SITE_URL: 'https://status.example.com', SITE_NAME: 'Example', SITE_TIMEZONE: 'UTC' };
    const m = scheduleMaintenance(ctx(d), {
      name: 'Cache flush',
      scheduled_for: new Date(T0.getTime() + 3_600_000).toISOString(),
      scheduled_until: new Date(T0.getTime() + 7_200_000).toISOString(),
      components: [],
    });
    startMaintenance({ ...ctx(d), now: new Date(T0.getTime() + 700) }, m.id);
    completeMaintenance({ ...ctx(d), now: new Date(T0.getTime() + 730) }, m.id);
    const lines = maintenanceCalendar(d, SITE).split('\r\n');
    expect([lines.find((l) => l.startsWith('DTSTART')), lines.find((l) => l.startsWith('DTEND'))]).toEqual([
      'DTSTART:20261122T090000Z',
      'DTEND:20261122T090001Z',
    ]);
  });
});
