import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';

/**
 * Browsers send a textarea's line breaks as CR LF (the HTML form encoding). A review found a corrected
 * update stored with "\r\n" in /api/v2/incidents.json while every other update had "\n": the console's
 * forms now read text with "\n" line breaks, one rule where they come in (console/guard.ts readAdminForm).
 */
let h: HeraldProcess;
let s: ConsoleSession;
type Json = Record<string, any>;

beforeAll(async () => {
  h = await startHerald();
  expect((await h.admin('/components', { body: { id: 'api', name: 'API' } })).status).toBe(201);
  s = await signIn(h);
});
afterAll(() => stopAll(h));

const incident = async (id: string) => (await (await h.admin(`/incidents/${id}`)).json()) as Json;
const declare = async () => {
  const res = await h.admin('/incidents', {
    body: { name: 'Exports slow', severity: 'sev3', body: 'Slow.', components: { api: 'degraded_performance' } },
  });
  return ((await res.json()) as Json).id as string;
};
/** A body as a browser posts a textarea: its lines joined by CR LF, a lone CR (an old Mac's) among them. */
const typed = 'First line.\r\n\r\n- one\r\n- two\rthree';
const stored = 'First line.\n\n- one\n- two\nthree';

describe('console forms store text with \\n line breaks, however the browser sent them', () => {
  it('a correction, an update and its resolution fields, a declare, a postmortem', async () => {
    const id = await declare();
    const first = (await incident(id)).incident_updates[0];

    // Before: stored as "First line.\r\n\r\n- one…", the only update with CR LF.
    const corrected = await s.post(`/admin/incidents/${id}/correct?update=${first.id}`, { body: typed, edited: '' });
    expect(corrected.status).toBe(303);
    expect.soft((await incident(id)).incident_updates[0].body, 'correction').toBe(stored);
    const v2 = (await (await fetch(`${h.url}/api/v2/incidents.json`)).json()) as Json;
    expect.soft(v2.incidents.find((i: Json) => i.id === id).incident_updates[0].body, 'v2').toBe(stored);
    // The same text sent again is no change: not marked edited a second time.
    const editedAt = (await incident(id)).incident_updates[0].edited_at;
    expect((await s.post(`/admin/incidents/${id}/correct?update=${first.id}`, { body: typed, edited: editedAt })).status).toBe(303);
    expect.soft((await incident(id)).incident_updates[0].edited_at, 'no second edit').toBe(editedAt);

    const publish = async (fields: Record<string, string>) => {
      const preview = await s.post('/admin/preview', { body_template: '', notify_shown: '0', eta: 'none', ...fields });
      const html = await preview.text();
      expect(preview.status, html).toBe(200);
      const res = await s.post('/admin/publish', { draft: /name="draft" value="([^"]+)"/.exec(html)![1]! });
      expect(res.status).toBe(303);
      return res.headers.get('location')!;
    };
    await publish({ kind: 'update', incident: id, status: 'resolved', body: typed, root_cause: 'A bad\r\nindex.' });
    const resolved = await incident(id);
    expect.soft(resolved.incident_updates[0].body, 'update').toBe(stored);
    expect.soft(resolved.root_cause, 'root cause').toBe('A bad\nindex.');

    const location = await publish({
      kind: 'declare',
      name: 'Logins failing',
      severity: 'sev3',
      body: typed,
      'component.api': 'major_outage',
    });
    const declared = decodeURIComponent(/\/admin\/incidents\/([^?]+)/.exec(location)![1]!);
    expect.soft((await incident(declared)).incident_updates[0].body, 'declare').toBe(stored);

    expect((await s.post(`/admin/incidents/${id}/postmortem`, { action: 'save', body: `## Summary\r\n\r\nA bad index.` })).status).toBe(
      303,
    );
    expect.soft((await incident(id)).postmortem.body, 'postmortem').toBe('## Summary\n\nA bad index.');
  });
});

describe('the admin API stores text with \\n line breaks too', () => {
  it('a declare, an update with its resolution fields, a correction, a postmortem', async () => {
    // Before: the API stored text as sent ("First line.\r\n\r\n- one…"); only the console's forms were read with "\n".
    const id = await declare();
    const first = (await incident(id)).incident_updates[0];
    expect((await h.admin(`/incidents/${id}/updates/${first.id}`, { method: 'PATCH', body: { body: typed } })).status).toBe(200);
    expect.soft((await incident(id)).incident_updates[0].body, 'correction').toBe(stored);

    const res = await h.admin(`/incidents/${id}/updates`, {
      body: { status: 'resolved', body: typed, root_cause: 'A bad\r\nindex.', resolution: 'Rebuilt\rit.', prevention: 'Checks\r\n' },
    });
    expect(res.status).toBe(201);
    const resolved = await incident(id);
    expect.soft(resolved.incident_updates[0].body, 'update').toBe(stored);
    expect
      .soft([resolved.root_cause, resolved.resolution, resolved.prevention], 'told')
      .toEqual(['A bad\nindex.', 'Rebuilt\nit.', 'Checks']);

    const declared = await h.admin('/incidents', {
      body: { name: 'Logins failing', severity: 'sev3', body: typed, components: { api: 'major_outage' } },
    });
    expect.soft(((await declared.json()) as Json).incident_updates[0].body, 'declare').toBe(stored);

    expect((await h.admin(`/incidents/${id}/postmortem`, { method: 'PUT', body: { body: '## Summary\r\n\r\nA bad index.' } })).status).toBe(
      200,
    );
    expect.soft((await incident(id)).postmortem.body, 'postmortem').toBe('## Summary\n\nA bad index.');
  });
});
