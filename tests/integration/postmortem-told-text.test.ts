import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomUtils } from 'htmlparser2';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { all, dom, textOf, type El } from '../helpers/dom.ts';
import { POSTMORTEM_HEADINGS } from '../fixtures/postmortem-sections.ts';

/**
 * The root cause, resolution and prevention told with the resolution fill the postmortem template's sections.
 * From a hunt: they went in raw, so "Old *_wal* files" came out as emphasis and "# of WAL files is now alerted
 * on" as a heading in its preview (and, published unchanged, on the page), where the "What happened" box shows
 * the text as typed.
 */
let h: HeraldProcess;
let dana: ConsoleSession;

beforeAll(async () => {
  h = await startHerald();
  expect((await h.admin('/components', { body: { id: 'db', name: 'Database' } })).status).toBe(201);
  dana = await signIn(h, 'Dana');
}, 60_000);
afterAll(() => stopAll(h));

type Json = Record<string, any>;
const TOLD = {
  root_cause: 'Old *_wal* files filled the disk.\n# of WAL files grew unchecked.\n---',
  resolution: '1. We removed the old `wal` files.\n- then restarted <db>, see [runbook].\n> Done at 10:02.',
  prevention: '# of WAL files is now alerted on.\n===\n    Archive settings: _keep_ 2 days (R&amp;D).\n| a | b |\n|---|---|',
};

/** Text content with a line break (`<br>`) read as the space between its lines. */
const textWithBreaks = (e: El): string =>
  e.type === 'tag' && e.name === 'br' ? ' ' : 'children' in e ? (e.children as El[]).map(textWithBreaks).join('') : DomUtils.textContent(e);

/** Each section's text under its heading (up to the next heading) in a rendered postmortem. */
function sections(frame: El): Record<string, string> {
  const out: Record<string, string> = {};
  let current: string | null = null;
  for (const child of frame.children) {
    if (child.type !== 'tag') continue;
    if (/^h[1-6]$/.test(child.name)) {
      current = textOf(child);
      out[current] = '';
    } else if (current) out[current] = `${out[current]} ${textWithBreaks(child)}`;
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.replace(/\s+/g, ' ').trim()]));
}

describe("the told root cause, resolution and prevention in the postmortem's template", () => {
  it('its preview shows them as the "What happened" box does, with no markup made of them', async () => {
    const made = await h.admin('/incidents', {
      body: { name: 'Database full', impact: 'major', body: 'Looking.', components: { db: 'major_outage' } },
    });
    const { id } = (await made.json()) as Json;
    const resolved = await h.admin(`/incidents/${id}/updates`, { body: { status: 'resolved', body: 'Fixed.', ...TOLD } });
    expect(resolved.status).toBe(201);

    const page = dom(await (await fetch(`${h.url}/incidents/${id}`)).text());
    const told = all(page, (e) => e.name === 'section' && e.attribs.class === 'told')[0]!;
    const box = Object.fromEntries(all(told, (e) => e.name === 'dt').map((dt) => [textOf(dt), textOf(DomUtils.nextElementSibling(dt)!)]));
    // The box shows each as typed (its lines kept by white-space: pre-line, leading spaces dropped).
    expect(box).toEqual({
      'Root cause': TOLD.root_cause.replace(/\s+/g, ' '),
      Resolution: TOLD.resolution.replace(/\s+/g, ' '),
      Prevention: TOLD.prevention.replace(/\s+/g, ' '),
    });

    const { template } = (await (await h.admin(`/incidents/${id}/postmortem`)).json()) as Json;
    const res = await dana.post(`/admin/incidents/${id}/postmortem`, { action: 'preview', body: template });
    expect(res.status).toBe(200);
    const frame = all(dom(await res.text()), (e) => e.attribs.class === 'postmortem preview-frame')[0]!;
    const shown = sections(frame);
    // Before: "Old wal files filled the disk." (emphasis) and "of WAL files grew unchecked." a heading of its own.
    expect(shown['Root cause']).toBe(box['Root cause']);
    expect(shown.Resolution).toBe(box.Resolution);
    // The prevention told leads its section, above the parts to fill.
    expect(shown.Prevention!.startsWith(`${box.Prevention} Short term (within a week):`)).toBe(true);
    // No heading, list, quote, code, rule or table made of them: the template's own sections, its one table.
    expect(Object.keys(shown)).toEqual([...POSTMORTEM_HEADINGS]);
    const count = (name: string) => all(frame, (e) => e.name === name).length;
    expect(['em', 'code', 'blockquote', 'ol', 'pre', 'hr', 'table'].map(count)).toEqual([0, 0, 0, 0, 0, 0, 1]);
  });
});
