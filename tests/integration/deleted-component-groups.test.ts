import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopAll, tempDataDir, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { outboxSettled, startMailedSite, to } from '../helpers/mail-flow.ts';
import { until } from '../helpers/poll.ts';

/**
 * Two components named alike, each its group's only member, deleted with force after an incident named both:
 * each group goes with its component, yet the incident still reads "EU / Search and US / Search" (README: a
 * shared name "is written with its group", a deleted component kept "with the name it had"). From a hunt: the
 * page, /history and the postmortem email read "Search and Search".
 */
type Json = Record<string, any>;
let smtp: TestSmtp;
let h: HeraldProcess;
const dataDir = tempDataDir();
const EMAIL = 'ops@example.com';
const html = async (path: string) => (await fetch(`${h.url}${path}`)).text();

beforeAll(async () => {
  smtp = await startSmtp();
  h = await startMailedSite(dataDir, smtp, [
    { id: 'search', name: 'Search', group: 'EU' },
    { id: 'search-2', name: 'Search', group: 'US' },
  ]);
}, 60_000);
afterAll(() => stopAll(h, smtp, dataDir));

describe('components named alike, deleted with their groups', () => {
  it('keep their groups on the incident page, in /history and in the postmortem email', async () => {
    const made = await h.admin('/incidents', {
      body: { name: 'Search down', impact: 'major', body: 'Looking.', components: { search: 'major_outage', 'search-2': 'major_outage' } },
    });
    expect(made.status).toBe(201);
    const { id } = (await made.json()) as Json;
    expect((await h.admin(`/incidents/${id}/updates`, { body: { status: 'resolved', body: 'Fixed.' } })).status).toBe(201);
    const listed = '<bdi>EU / Search</bdi> and <bdi>US / Search</bdi>';
    expect(await html(`/incidents/${id}`)).toContain(`Affects: ${listed}`);

    expect((await h.admin('/components/search?force=true', { method: 'DELETE' })).status).toBe(204);
    // Before: "Affects: Search and US / Search".
    expect(await html(`/incidents/${id}`)).toContain(`Affects: ${listed}`);
    expect((await h.admin('/components/search-2?force=true', { method: 'DELETE' })).status).toBe(204);
    const v2 = (await (await fetch(`${h.url}/api/v2/components.json`)).json()) as Json;
    expect(v2.components).toEqual([]);

    // Before: "Affects: Search and Search", "Affected: Search and Search".
    expect(await html(`/incidents/${id}`)).toContain(`Affects: ${listed}`);
    expect(await html('/history')).toContain(`Affected: ${listed}`);

    await outboxSettled(h);
    const n = to(smtp, EMAIL).length;
    const put = await h.admin(`/incidents/${id}/postmortem`, {
      method: 'PUT',
      body: { body: '## Summary\n\nSearch failed for half an hour.', publish: true, notify: true },
    });
    expect(put.status).toBe(200);
    await until(() => to(smtp, EMAIL).length > n, 'the postmortem email');
    const mail = await smtp.parse(to(smtp, EMAIL)[n]!);
    // Before: "which affected Search and Search".
    expect(mail.text?.replace(/\s+/g, ' ')).toContain('which affected EU / Search and US / Search');
    expect(String(mail.html)).toContain('which affected EU / Search and US / Search');
  });
});
