import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { storedText } from '../helpers/engine.ts';
import { byName, dom } from '../helpers/dom.ts';

/**
 * The console's maintenance form reads its datetime-local fields in the
 * page's zone (SITE_TIMEZONE, here one with DST): a day or time that does not
 * exist comes back on its field, and nothing is scheduled.
 */
let h: HeraldProcess;
let s: ConsoleSession;

beforeAll(async () => {
  h = await startHerald({ env: { SITE_TIMEZONE: 'America/New_York' } });
  s = await signIn(h);
});
afterAll(() => stopAll(h));

const schedule = (from: string, until: string) =>
  s.post('/admin/maintenance', { name: 'Database upgrade', from, until, body: 'Upgrading.', body_template: '', auto: '1' });
const maintenances = async () =>
  ((await (await h.admin('/maintenances')).json()) as { scheduled_maintenances: Array<{ scheduled_for: string; scheduled_until: string }> })
    .scheduled_maintenances;

// Next year's second Sunday of March, when New York's clocks go forward at 2:00: a date that stays ahead.
const YEAR = new Date().getUTCFullYear() + 1;
const SPRING = 8 + ((7 - new Date(Date.UTC(YEAR, 2, 1)).getUTCDay()) % 7);
const DAY = `${YEAR}-03-${SPRING}`;

/** The error shown under a field of the form, if any. */
const fieldError = (html: string, field: 'from' | 'until') =>
  new RegExp(`<p class="error" id="m-${field}-error">([^<]*)</p>`).exec(html)?.[1] ?? null;

describe('the maintenance form refuses times that do not exist', () => {
  it.each([
    ['2027-02-30T10:00', '2027-02-31T11:00'],
    ['2027-00-00T99:99', '2027-13-45T00:00'],
  ])('from=%s until=%s answers 422 with the error on both fields, scheduling nothing', async (from, until) => {
    const before = await storedText(h);
    const res = await schedule(from, until);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(fieldError(html, 'from')).toBe('Choose when the window starts.');
    expect(fieldError(html, 'until')).toBe('Choose when the window ends.');
    expect(html).toContain(`value="${from}"`);
    expect(await storedText(h)).toBe(before);
    expect(await maintenances()).toEqual([]);
  });

  it('a start skipped when clocks go forward answers 422 saying so on its field', async () => {
    const before = await storedText(h);
    const res = await schedule(`${DAY}T02:30`, `${DAY}T04:00`);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(fieldError(html, 'from')).toBe(
      `2:30 does not exist on ${SPRING} Mar ${YEAR} in America/New_York: clocks go forward; choose another time.`,
    );
    expect(fieldError(html, 'until')).toBeNull();
    expect(await storedText(h)).toBe(before);
  });

  it('an ordinary window is scheduled (303), read in the page zone', async () => {
    const res = await schedule(`${DAY}T03:00`, `${DAY}T05:00`);
    expect(res.status).toBe(303);
    expect(await maintenances()).toContainEqual(
      expect.objectContaining({ scheduled_for: `${DAY}T07:00:00.000Z`, scheduled_until: `${DAY}T09:00:00.000Z` }),
    );
  });
});

describe('a schedule form refused', () => {
  it('keeps a notice written by hand: sent again once fixed, the window is scheduled with it as written', async () => {
    const refused = await schedule('2027-02-30T10:00', '2027-02-31T11:00');
    expect(refused.status).toBe(422);
    const template = byName(dom(await refused.text()), 'body_template')!.attribs.value!;
    // Before: the form shown again gave the notice as written for the template, and the next post replaced it by the template.
    expect(template).not.toBe('Upgrading.');
    const fixed = {
      name: 'Notice kept',
      from: `${YEAR}-04-01T10:00`,
      until: `${YEAR}-04-01T11:00`,
      body: 'Upgrading.',
      body_template: template,
      auto: '1',
    };
    const res = await s.post('/admin/maintenance', fixed);
    expect(res.status).toBe(303);
    const id = /MNT-[\d-]+/.exec(res.headers.get('location')!)![0];
    expect(await (await fetch(`${h.url}/incidents/${id}`)).text()).toContain('Upgrading.');
  });
});
