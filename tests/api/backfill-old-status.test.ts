import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openInProcess, type InProcess } from '../helpers/app.ts';
import { until } from '../helpers/poll.ts';

/**
 * A backfill's `old_status` is each component's status when the incident happened, not today's (README
 * "Backfill"), in the declare's answer, /api/v2/incidents.json and the webhook payload, on both engines: an
 * incident open now and a status set by hand minutes ago held nothing yesterday.
 */
type Change = { code: string; old_status: string; new_status: string };
let p: InProcess;
let hook: Server;
const posts: Array<{ incident?: { id: string; incident_updates: Array<{ affected_components: Change[] | null }> } }> = [];

beforeAll(async () => {
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      posts.push(JSON.parse(body));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((ok) => hook.listen(0, '127.0.0.1', () => ok()));
  const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  p = await openInProcess({ ALLOW_PRIVATE_WEBHOOKS: 'true', CHANNEL_RETRY_BASE_MS: '30', CHANNEL_RETRY_MAX_MS: '100' });
  const ok = async (path: string, body: unknown, method = 'POST') => {
    const res = await p.admin(path, { method, body });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
  };
  await ok('/components', { id: 'email-delivery', name: 'Email delivery' });
  await ok('/components', { id: 'inbox', name: 'Inbox' });
  await ok('/channels', { kind: 'webhook', name: 'Partner', url: hookUrl });
  await ok('/incidents', {
    name: 'Email delayed',
    severity: 'sev2',
    status: 'investigating',
    body: 'We are investigating.',
    components: { 'email-delivery': 'partial_outage' },
    notify: false,
  });
  await ok('/components/inbox', { status: 'degraded_performance' }, 'PATCH');
});
afterAll(async () => {
  await p?.close();
  hook?.closeAllConnections();
  hook?.close();
});

describe('a backfill declared resolved, while an incident and a hand hold its components now', () => {
  it('records them as they were then (operational), in its answer, the v2 API and the webhook', async () => {
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const res = await p.admin('/incidents', {
      body: {
        name: 'Email yesterday',
        severity: 'sev2',
        status: 'resolved',
        body: 'x.',
        components: { 'email-delivery': 'major_outage', inbox: 'major_outage' },
        started_at: `${yesterday}T10:00:00Z`,
        resolved_at: `${yesterday}T11:00:00Z`,
      },
    });
    expect(res.status).toBe(201);
    const declared = (await res.json()) as { id: string; incident_updates: Array<{ affected_components: Change[] }> };
    const then = [
      { code: 'email-delivery', old_status: 'operational', new_status: 'major_outage' },
      { code: 'inbox', old_status: 'operational', new_status: 'major_outage' },
    ];
    const changes = (list: Change[] | null | undefined) =>
      (list ?? []).map(({ code, old_status, new_status }) => ({ code, old_status, new_status }));
    // Before: email-delivery's old_status partial_outage (the open incident's), inbox's degraded_performance (the hand's).
    expect(changes(declared.incident_updates[0]!.affected_components)).toEqual(then);

    const v2 = (await (await p.request('/api/v2/incidents.json')).json()) as {
      incidents: Array<{ id: string; incident_updates: Array<{ affected_components: Change[] | null }> }>;
    };
    expect(changes(v2.incidents.find((i) => i.id === declared.id)!.incident_updates[0]!.affected_components)).toEqual(then);

    const post = await until(() => posts.find((b) => b.incident?.id === declared.id), "the backfill's webhook", 10_000);
    expect(changes(post.incident!.incident_updates[0]!.affected_components)).toEqual(then);
    // The components keep the status they have now: a backfill tells of the past.
    const components = (await (await p.request('/api/v2/components.json')).json()) as { components: Array<{ id: string; status: string }> };
    expect(Object.fromEntries(components.components.map((c) => [c.id, c.status]))).toEqual({
      'email-delivery': 'partial_outage',
      inbox: 'degraded_performance',
    });
  });
});
