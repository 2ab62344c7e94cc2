import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'node:http';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { storedText } from '../helpers/engine.ts';

// One server; every case is refused, so none changes what the next one sees.
let h: HeraldProcess;
let incidentId = '';
let updateId = '';
beforeAll(async () => {
  h = await startHerald();
  expect((await h.admin('/components', { body: { id: 'api', name: 'API' } })).status).toBe(201);
  const res = await h.admin('/incidents', {
    body: { name: 'Open one', impact: 'minor', body: 'Looking.', components: { api: 'degraded_performance' } },
  });
  expect(res.status).toBe(201);
  const inc = await res.json();
  incidentId = inc.id;
  updateId = inc.incident_updates[0].id;
});
afterAll(() => stopAll(h));

const dataFile = () => storedText(h);
const long = (n: number) => 'x'.repeat(n);
const incident = (patch: Record<string, unknown>) => ({
  name: 'API errors',
  impact: 'major',
  status: 'investigating',
  body: 'Looking.',
  components: {},
  ...patch,
});
const without = (o: Record<string, unknown>, key: string) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));

interface Case {
  method: string;
  path: () => string;
  /** A string is sent as is (malformed JSON); anything else as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  status: number;
  code: string;
  field?: string;
}

const CASES: Record<string, Case> = {
  'incident with a missing name': {
    method: 'POST',
    path: () => '/incidents',
    body: without(incident({}), 'name'),
    status: 422,
    code: 'invalid',
    field: 'name',
  },
  'incident with an empty name': {
    method: 'POST',
    path: () => '/incidents',
    body: incident({ name: '   ' }),
    status: 422,
    code: 'invalid',
    field: 'name',
  },
  'component with a missing name': {
    method: 'POST',
    path: () => '/components',
    body: { description: 'x' },
    status: 422,
    code: 'invalid',
    field: 'name',
  },
  'component with an empty name': {
    method: 'POST',
    path: () => '/components',
    body: { name: '' },
    status: 422,
    code: 'invalid',
    field: 'name',
  },
  'component renamed to empty': {
    method: 'PATCH',
    path: () => '/components/api',
    body: { name: ' ' },
    status: 422,
    code: 'invalid',
    field: 'name',
  },
  'incident with an unknown impact': {
    method: 'POST',
    path: () => '/incidents',
    body: incident({ impact: 'catastrophic' }),
    status: 422,
    code: 'invalid',
    field: 'impact',
  },
  'incident with an unknown status': {
    method: 'POST',
    path: () => '/incidents',
    body: incident({ status: 'panicking' }),
    status: 422,
    code: 'invalid',
    field: 'status',
  },
  'update with an unknown status': {
    method: 'POST',
    path: () => `/incidents/${incidentId}/updates`,
    body: { status: 'fixed', body: 'x' },
    status: 422,
    code: 'invalid',
    field: 'status',
  },
  'update with status postmortem': {
    method: 'POST',
    path: () => `/incidents/${incidentId}/updates`,
    body: { status: 'postmortem', body: 'x' },
    status: 422,
    code: 'invalid',
    field: 'status',
  },
  'incident with an unknown component status': {
    method: 'POST',
    path: () => '/incidents',
    body: incident({ components: { api: 'on_fire' } }),
    status: 422,
    code: 'invalid',
    field: 'components.api',
  },
  'update with an unknown component status': {
    method: 'POST',
    path: () => `/incidents/${incidentId}/updates`,
    body: { status: 'identified', body: 'x', components: { api: 'meh' } },
    status: 422,
    code: 'invalid',
    field: 'components.api',
  },
  'component with an unknown status': {
    method: 'PATCH',
    path: () => '/components/api',
    body: { status: 'broken' },
    status: 422,
    code: 'invalid',
    field: 'status',
  },
  'incident with an unknown component id': {
    method: 'POST',
    path: () => '/incidents',
    body: incident({ components: { api: 'major_outage', nope: 'major_outage' } }),
    status: 422,
    code: 'unknown_component',
    field: 'components.nope',
  },
  'update with an unknown component id': {
    method: 'POST',
    path: () => `/incidents/${incidentId}/updates`,
    body: { status: 'identified', body: 'x', components: { ghost: 'partial_outage' } },
    status: 422,
    code: 'unknown_component',
    field: 'components.ghost',
  },
  'incident name over 200 characters': {
    method: 'POST',
    path: () => '/incidents',
    body: incident({ name: long(201) }),
    status: 422,
    code: 'invalid',
    field: 'name',
  },
  'component name over 200 characters': {
    method: 'POST',
    path: () => '/components',
    body: { name: long(201) },
    status: 422,
    code: 'invalid',
    field: 'name',
  },
  'incident body over 20,000 characters': {
    method: 'POST',
    path: () => '/incidents',
    body: incident({ body: long(20_001) }),
    status: 422,
    code: 'invalid',
    field: 'body',
  },
  'update body over 20,000 characters': {
    method: 'POST',
    path: () => `/incidents/${incidentId}/updates`,
    body: { status: 'identified', body: long(20_001) },
    status: 422,
    code: 'invalid',
    field: 'body',
  },
  'correction body over 20,000 characters': {
    method: 'PATCH',
    path: () => `/incidents/${incidentId}/updates/${updateId}`,
    body: { body: long(20_001) },
    status: 422,
    code: 'invalid',
    field: 'body',
  },
  'correction with an empty body': {
    method: 'PATCH',
    path: () => `/incidents/${incidentId}/updates/${updateId}`,
    body: { body: '' },
    status: 422,
    code: 'invalid',
    field: 'body',
  },
  'a misspelt field': {
    method: 'POST',
    path: () => '/incidents',
    body: { ...incident({}), impactt: 'major' },
    status: 422,
    code: 'invalid',
    field: 'impactt',
  },
  'malformed JSON (incident)': {
    method: 'POST',
    path: () => '/incidents',
    body: '{"name": "API errors", ',
    status: 400,
    code: 'invalid_json',
  },
  'malformed JSON (update)': {
    method: 'POST',
    path: () => `/incidents/${incidentId}/updates`,
    body: "{status: 'resolved'}",
    status: 400,
    code: 'invalid_json',
  },
  'malformed JSON (component)': { method: 'POST', path: () => '/components', body: 'name=API', status: 400, code: 'invalid_json' },
  'a JSON array instead of an object': { method: 'POST', path: () => '/components', body: '[]', status: 422, code: 'invalid' },
  'a body over 1 MB': {
    method: 'POST',
    path: () => '/incidents',
    body: incident({ body: long(1024 * 1024) }),
    status: 413,
    code: 'payload_too_large',
  },
  'update to an unknown incident': {
    method: 'POST',
    path: () => '/incidents/INC-1999-01-01-1/updates',
    body: { status: 'identified', body: 'x' },
    status: 404,
    code: 'not_found',
    field: 'id',
  },
  'correction of an unknown update': {
    method: 'PATCH',
    path: () => `/incidents/${incidentId}/updates/nope`,
    body: { body: 'x' },
    status: 404,
    code: 'not_found',
    field: 'updateId',
  },
  'edit of an unknown component': {
    method: 'PATCH',
    path: () => '/components/nope',
    body: { name: 'X' },
    status: 404,
    code: 'not_found',
    field: 'id',
  },
  'a duplicate component id': {
    method: 'POST',
    path: () => '/components',
    body: { id: 'api', name: 'API again' },
    status: 409,
    code: 'duplicate',
    field: 'id',
  },
  'a wrong token': {
    method: 'POST',
    path: () => '/incidents',
    body: incident({}),
    headers: { authorization: 'Bearer not-the-token-0123456789' },
    status: 401,
    code: 'unauthorized',
  },
  'a missing token': {
    method: 'POST',
    path: () => '/incidents',
    body: incident({}),
    headers: { authorization: '' },
    status: 401,
    code: 'unauthorized',
  },
  'a token sent as Basic auth': {
    method: 'POST',
    path: () => '/components',
    body: { name: 'X' },
    headers: { authorization: `Basic ${Buffer.from(`admin:${'test-admin-token-0123456789abcdef'}`).toString('base64')}` },
    status: 401,
    code: 'unauthorized',
  },
};

describe('bad input is refused with the JSON error and leaves the data file byte-identical', () => {
  it.each(Object.entries(CASES))('%s', async (_name, c) => {
    const before = await dataFile();
    const res = await h.admin(c.path(), { method: c.method, body: c.body, headers: c.headers });
    expect(res.status).toBe(c.status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const json = await res.json();
    expect(json).toEqual({ error: { code: c.code, message: expect.any(String), ...(c.field ? { field: c.field } : {}) } });
    expect(json.error.message.length).toBeGreaterThan(5);
    expect(await dataFile()).toBe(before);
  });

  it('a chunked body over 1 MB without Content-Length (413)', async () => {
    const before = await dataFile();
    const chunk = new TextEncoder().encode(`"${'x'.repeat(64 * 1024)}",`);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(new TextEncoder().encode('{"name":"x","impact":"minor","body":['));
        if (sent > 1.5 * 1024 * 1024) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const res = await fetch(`${h.url}/api/admin/incidents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe('payload_too_large');
    expect(await dataFile()).toBe(before);
  });

  it('after a 413 the same keep-alive connection still works: the rest of the upload is read off and thrown away', async () => {
    // One keep-alive socket: the requests after the refused upload reuse it.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const send = (method: string, path: string, body?: string) =>
      new Promise<{ status: number; connection: string | undefined; body: string }>((resolve, reject) => {
        const req = request(
          `${h.url}${path}`,
          { method, agent, headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' } },
          (res) => {
            let text = '';
            res.on('data', (d) => (text += d));
            res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body: text }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    try {
      const big = await send('POST', '/api/admin/components', JSON.stringify({ name: long(2 * 1024 * 1024) }));
      expect(big.status).toBe(413);
      expect(big.connection).toBe('keep-alive');
      for (let i = 0; i < 3; i++) expect((await send('GET', '/api/admin/components')).status).toBe(200);
    } finally {
      agent.destroy();
    }
  });

  it('the server still answers and the open incident is as it was', async () => {
    const inc = await (await h.admin(`/incidents/${incidentId}`)).json();
    expect(inc.incident_updates).toHaveLength(1);
    expect(inc.status).toBe('investigating');
  });
});
