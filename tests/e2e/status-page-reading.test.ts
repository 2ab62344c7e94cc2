import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { MINUTE, adminOrThrow } from '../helpers/status-page-seed.ts';

/**
 * How the status page reads, to a screen reader and at 400 % zoom, in real Chromium. From an accessibility
 * review: a component row was heard as one run-on phrase ("Card payments Visa, Mastercard, Amex Major outage"),
 * names and statuses broke mid-word at 320 px ("Notificatio/ns", with text spacing "Operation/al"), the
 * "Upcoming" maintenance heading sat beside the cards it introduces, and the disclosure's "▸" marker was read
 * as part of "4 days with issues for Website".
 */
type Json = Record<string, any>;

const SPACING =
  '* { line-height: 1.5 !important; letter-spacing: .12em !important; word-spacing: .16em !important } p { margin-bottom: 2em !important }';

const LONG = 'Zahlungsverkehrsabwicklungsdienstleistungsplattform';

let h: HeraldProcess;
let browser: Browser;
const admin = (path: string, body: unknown, method = 'POST'): Promise<Json> => adminOrThrow(h, path, body, method);

beforeAll(async () => {
  h = await startHerald({ env: { STATIC_SNAPSHOT: 'false', HERALD_SEED: 'none', MAINTENANCE_REMINDER_MINUTES: '0' } });
  for (const [id, name, description, group] of [
    ['website', 'Website', 'Marketing site', null],
    ['card-payments', 'Card payments', 'Visa, Mastercard, Amex', 'Payments'],
    ['sms', 'SMS delivery', 'Via carriers in 40 countries', 'Notifications'],
    ['webhooks', 'Webhooks', '', 'Notifications'],
    ['database', 'Database', 'Primary data store', 'Infrastructure'],
    ['dashboard', 'Dashboard', '', 'Infrastructure'],
    // A word no phone has room for: it still wraps inside its row.
    ['ledger', LONG, 'Ledger', 'Payments'],
  ] as const) {
    await admin('/components', { id, name, description, group });
  }
  await admin('/incidents', {
    name: 'Card payments failing',
    impact: 'critical',
    body: 'Card payments fail.',
    components: { 'card-payments': 'major_outage', website: 'partial_outage', dashboard: 'degraded_performance', database: 'operational' },
    notify: false,
  });
  // One window running (SMS under maintenance), one to come: "Upcoming" under "Maintenance in progress".
  const soon = Math.ceil((Date.now() + 10 * MINUTE) / MINUTE) * MINUTE;
  const running = await admin('/maintenances', {
    name: 'Carrier switch',
    scheduled_for: new Date(soon).toISOString(),
    scheduled_until: new Date(soon + 60 * MINUTE).toISOString(),
    components: ['sms', 'webhooks'],
    notify: false,
  });
  await admin(`/maintenances/${running.id}/start`, {});
  const later = soon + 2 * 1440 * MINUTE;
  await admin('/maintenances', {
    name: 'Database upgrade',
    scheduled_for: new Date(later).toISOString(),
    scheduled_until: new Date(later + 60 * MINUTE).toISOString(),
    components: ['database'],
    notify: false,
  });
  browser = await launchBrowser();
}, 60_000);

afterAll(() => stopAll(browser, h));

async function open(page: Page, path = '/'): Promise<void> {
  const res = await page.goto(`${h.url}${path}`);
  expect(res?.status(), path).toBe(200);
}

/**
 * Chromium's own accessibility tree (over CDP), not Playwright's reading of the DOM: the text of the element's
 * StaticText nodes in order, one space between (none before a separate "," or ":"), and the element's accessible name.
 */
async function chromium(page: Page, selector: string): Promise<{ text: string; name: string }> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { root } = await cdp.send('DOM.getDocument', { depth: 0 });
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector });
    expect(nodeId, selector).toBeGreaterThan(0);
    const { node } = await cdp.send('DOM.describeNode', { nodeId });
    const { nodes } = await cdp.send('Accessibility.getFullAXTree');
    const byId = new Map(nodes.map((n) => [n.nodeId, n]));
    const top = nodes.find((n) => n.backendDOMNodeId === node.backendNodeId)!;
    const texts: string[] = [];
    const walk = (n: (typeof nodes)[number]) => {
      if (n.role?.value === 'StaticText' && !n.ignored) texts.push(String(n.name?.value ?? ''));
      for (const id of n.childIds ?? []) walk(byId.get(id)!);
    };
    walk(top);
    return {
      text: texts
        .join(' ')
        .replace(/\s+/g, ' ')
        .replace(/ ([,:])/g, '$1')
        .trim(),
      name: String(top.name?.value ?? ''),
    };
  } finally {
    await cdp.detach();
  }
}

/**
 * Each word of the rows' names, descriptions and statuses drawn over more than one line ("Notificatio/ns"), and
 * apart, the words wider than their row's content box, which have to break.
 */
function brokenWords(): { broken: string[]; tooWide: string[] } {
  const broken: string[] = [];
  const tooWide: string[] = [];
  for (const part of document.querySelectorAll('.component-list .row > :is(.name, .status)')) {
    const row = part.closest('.row')!;
    const cs = getComputedStyle(row);
    const room = row.clientWidth - Number.parseFloat(cs.paddingLeft) - Number.parseFloat(cs.paddingRight);
    const walker = document.createTreeWalker(part, NodeFilter.SHOW_TEXT);
    for (let t = walker.nextNode() as Text | null; t; t = walker.nextNode() as Text | null) {
      if (t.parentElement!.closest('.vh')) continue;
      for (const m of t.data.matchAll(/\S+/g)) {
        const range = document.createRange();
        range.setStart(t, m.index);
        range.setEnd(t, m.index + m[0].length);
        const rects = [...range.getClientRects()].filter((r) => r.width > 0);
        const tops = new Set(rects.map((r) => Math.round(r.top)));
        if (rects.reduce((sum, r) => sum + r.width, 0) > room) tooWide.push(m[0]);
        else if (tops.size > 1) broken.push(`"${m[0]}" on ${tops.size} lines`);
      }
    }
  }
  return { broken, tooWide };
}

describe('the status page to a screen reader', () => {
  it('a component row reads as its parts: name, description, then status; a group row as its name, then status', async () => {
    const page = await browser.newPage();
    try {
      await open(page);
      const row = async (selector: string) => {
        const [name, status] = await Promise.all([chromium(page, `${selector} > .name`), chromium(page, `${selector} > .status`)]);
        return `${name.text} ${status.text}`;
      };
      // Before: "Card payments Visa, Mastercard, Amex Major outage", "Payments Major outage".
      expect(await row('#component-card-payments')).toBe('Card payments, Visa, Mastercard, Amex: Major outage');
      expect(await row('#component-sms')).toBe('SMS delivery, Via carriers in 40 countries: Under maintenance');
      expect(await row('#component-webhooks')).toBe('Webhooks: Under maintenance');
      expect(await row('.group-row')).toBe('Payments: Major outage');
      // Playwright's reading of the DOM (as other tools take it) agrees; it sets the hidden "," apart, being out of the flow.
      const tree = (await page.locator('#component-website').ariaSnapshot()).replace(/ ([,:])/g, '$1');
      expect(tree).toContain('- text: "Website, Marketing site: Partial outage"');
    } finally {
      await page.close();
    }
  });

  it('the days-with-issues disclosure is named by its words, without the "▸" marker', async () => {
    const page = await browser.newPage();
    try {
      await open(page);
      // Before: "▸ 1 day with issues for Website".
      expect((await chromium(page, '#component-website summary')).name).toBe('1 day with issues for Website');
      await page.locator('#component-website summary').click();
      expect((await chromium(page, '#component-website summary')).name).toBe('1 day with issues for Website');
    } finally {
      await page.close();
    }
  });

  it('the "Upcoming" maintenance heading has the upcoming windows nested under it', async () => {
    const page = await browser.newPage();
    try {
      await open(page);
      const outline = await page.$$eval('.maintenance-list :is(h2, h3, h4, h5, h6)', (hs) =>
        hs.map((e) => `${e.tagName} ${e.textContent!.trim()}`),
      );
      // Before: H3 Upcoming, then H3 Database upgrade beside it.
      expect(outline).toEqual(['H2 Maintenance in progress', 'H3 Carrier switch', 'H3 Upcoming', 'H4 Database upgrade']);
      // Drawn as the running window's title is.
      const size = (name: string) =>
        page.getByRole('heading', { name }).evaluate((e) => {
          const cs = getComputedStyle(e);
          return `${cs.fontSize} ${cs.fontWeight} ${cs.lineHeight}`;
        });
      expect(await size('Database upgrade')).toBe(await size('Carrier switch'));
    } finally {
      await page.close();
    }
  });
});

describe('at 320 px (400 % zoom of a 1280 px window)', () => {
  for (const spacing of [false, true]) {
    it(`no word of a component's or group's name, description or status breaks across lines${spacing ? ', with WCAG text spacing' : ''}`, async () => {
      const context = await browser.newContext({ bypassCSP: true, viewport: { width: 320, height: 640 } });
      try {
        const page = await context.newPage();
        await open(page);
        if (spacing) await page.addStyleTag({ content: SPACING });
        // Before: "Notifications", "Infrastructure" (and with spacing "Operational", "maintenance", "Webhooks") broke.
        const words = await page.evaluate(brokenWords);
        expect(words.broken).toEqual([]);
        expect(words.tooWide, 'only the word wider than a phone').toEqual([LONG]);
        // Nothing left the row: each part (the long word wrapped) ends within it.
        const out = await page.$$eval('.component-list .row', (rows) =>
          rows.flatMap((row) =>
            [...row.querySelectorAll(':scope > *')]
              .filter((el) => el.getBoundingClientRect().right > row.getBoundingClientRect().right + 1)
              .map((el) => `${row.id || 'group row'} ${el.className}`),
          ),
        );
        expect(out).toEqual([]);
        // A status is on one line beside its name, or under it: never wrapped beside it, squeezing the name's
        // description to a word a line while gaining nothing.
        const squeezed = await page.$$eval('.component-list .row', (rows) =>
          rows.flatMap((row) => {
            const name = row.querySelector(':scope > .name')!.getBoundingClientRect();
            const status = row.querySelector(':scope > .status') as HTMLElement;
            const box = status.getBoundingClientRect();
            const line = Number.parseFloat(getComputedStyle(status).lineHeight);
            return box.top < name.bottom - 1 && box.height > line * 1.5 ? [status.textContent!.trim()] : [];
          }),
        );
        expect(squeezed).toEqual([]);
      } finally {
        await context.close();
      }
    });
  }
});
