import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopAll, tempDataDir, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { startMailedSite } from '../helpers/mail-flow.ts';
import { until } from '../helpers/poll.ts';
import { signIn } from '../helpers/console-session.ts';

/**
 * Two components of one name in different groups (allowed: "Search" under Core and under Money) read apart
 * wherever a customer reads component names: each with its group, as the console's declare form labels them
 * ("Money / Search"). A name no other component has stays as it is.
 */
type Json = Record<string, any>;
let smtp: TestSmtp;
let h: HeraldProcess;
const dataDir = tempDataDir();

beforeAll(async () => {
  smtp = await startSmtp();
  h = await startMailedSite(dataDir, smtp, [
    { id: 'search', name: 'Search', group: 'Core' },
    { id: 'money-search', name: 'Search', group: 'Money' },
    { id: 'api', name: 'API', group: 'Core' },
  ]);
}, 60_000);
afterAll(() => stopAll(h, smtp, dataDir));

const html = async (path: string, headers: Record<string, string> = {}) => (await fetch(`${h.url}${path}`, { headers })).text();

describe('components named alike in two groups', () => {
  it('are told apart by their group on the page, in the email and in the console template; a unique name stays bare', async () => {
    const declared = await h.admin('/incidents', {
      body: {
        name: 'Search down',
        impact: 'major',
        body: 'Searches fail.',
        components: { search: 'major_outage', 'money-search': 'major_outage', api: 'degraded_performance' },
        notify: true,
      },
    });
    expect(declared.status).toBe(201);
    const { id } = (await declared.json()) as Json;

    // Before: "Affects: <bdi>Search</bdi>, <bdi>Search</bdi> and <bdi>API</bdi>".
    const listed = '<bdi>Core / Search</bdi>, <bdi>Money / Search</bdi> and <bdi>API</bdi>';
    expect(await html(`/incidents/${id}`)).toContain(`Affects: ${listed}`);
    expect(await html('/')).toContain(`Affects: ${listed}`);
    expect(await html('/history')).toContain(`Affected: ${listed}`);

    await until(async () => smtp.received.length > 0, 'the disruption notice');
    const mail = await smtp.parse(smtp.received.find((r) => r.to.includes('ops@example.com'))!);
    // Before: "Affected services: Search, Search and API".
    expect(mail.text).toContain('Core / Search, Money / Search and API');
    expect(mail.text).not.toMatch(/Search, Search/);

    // The console's update form starts from the runbook template, naming them as the page does.
    const dana = await signIn(h, 'Dana');
    const page = await html(`/admin/incidents/${id}`, { cookie: dana.cookie });
    expect(page).toContain('Core / Search, Money / Search and API');
    const names = /data-component-names="([^"]*)"/
      .exec(page)?.[1]
      ?.replace(/&quot;/g, '"')
      .replace(/&#34;/g, '"');
    expect(JSON.parse(names!)).toMatchObject({ search: 'Core / Search', 'money-search': 'Money / Search', api: 'API' });
    // The channel form's choices too (before: "Search" twice, the war room's scope a guess).
    const channels = await html('/admin/channels', { cookie: dana.cookie });
    const label = (id: string) => new RegExp(`id="ch-component-${id}"[^>]*/?><span>([^<]*)</span>`).exec(channels)?.[1];
    expect([label('search'), label('money-search'), label('api')]).toEqual(['Core / Search', 'Money / Search', 'API']);
  });

  it('the v2 API keeps each its own name (its group is its group_id)', async () => {
    const v2 = (await (await fetch(`${h.url}/api/v2/components.json`)).json()) as Json;
    expect(v2.components.filter((c: Json) => c.name === 'Search')).toHaveLength(2);
  });
});
