import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';

/**
 * A NUL byte (or another control character) in a URL's search query or id,
 * on both engines. PostgreSQL cannot hold a NUL in text at all: a query with
 * one refused the statement (22021) and the request answered 500 with an
 * empty page, where the embedded engine answered 200, 204 or 404. Now the
 * same request answers the same on both: a search with control characters is
 * refused (422, field `q`; a message on the console's pages), and an id no id
 * can be written with is nobody's, as an unknown id is.
 */
let h: HeraldProcess;
let s: ConsoleSession;

beforeAll(async () => {
  h = await startHerald();
  expect((await h.admin('/components', { body: { id: 'api', name: 'API' } })).status).toBe(201);
  const subscribed = await fetch(`${h.url}/api/subscribers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'kept@example.com' }),
  });
  expect(subscribed.status).toBe(202);
  s = await signIn(h);
});
afterAll(() => stopAll(h));

interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

/** The status and the README's error shape: `{ "error": { "code", "message", "field"? } }`, nothing else. */
async function expectError(res: Response, status: number, code: string, field?: string): Promise<ErrorBody> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = JSON.parse(text) as ErrorBody;
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  if (field === undefined) expect(body.error).not.toHaveProperty('field');
  else expect(body.error.field).toBe(field);
  return body;
}

const subscribers = async (q = '') =>
  (await (await h.admin(`/subscribers?q=${encodeURIComponent(q)}`)).json()) as { total: number; subscribers: Array<{ email: string }> };

describe('a search query with control characters is refused (422, field q)', () => {
  it.each(['%00', 'kept%00', 'a%00b', '%01', '%7F', '%C2%85'])('GET /api/admin/subscribers?q=%s', async (q) => {
    const body = await expectError(await h.admin(`/subscribers?q=${q}`), 422, 'invalid', 'q');
    expect(body.error.message).toMatch(/control characters/);
  });

  it('a search without them still finds the subscriber (around the address: spaces, a trailing tab or newline)', async () => {
    expect((await subscribers('kept')).subscribers.map((x) => x.email)).toEqual(['kept@example.com']);
    expect((await subscribers('  KEPT@example.com\t\n')).subscribers.map((x) => x.email)).toEqual(['kept@example.com']);
  });

  it.each(['/admin/subscribers?q=%00', '/admin/subscribers?q=a%00b&state=confirmed', '/admin/deliveries?q=%00'])(
    'the console page %s answers its page with the message by the search field (422), not an empty 500',
    async (path) => {
      const res = await fetch(`${h.url}${path}`, { headers: { cookie: s.cookie } });
      const html = await res.text();
      expect(res.status).toBe(422);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(html).toMatch(/<h1>(Subscribers|Deliveries)<\/h1>/);
      expect(html).toMatch(/<input id="q"[^>]*aria-invalid="true"/);
      expect(html).toMatch(/<p class="error" id="q-error">[^<]*control characters[^<]*<\/p>/);
      expect(html).not.toContain('\u0000');
    },
  );
});

describe('an id with a NUL in the URL is nobody’s, as an unknown id is', () => {
  it('DELETE /api/admin/subscribers/a%00b answers as for an unknown subscriber (204), and removes nobody', async () => {
    const unknown = await h.admin('/subscribers/nobody', { method: 'DELETE' });
    expect(unknown.status).toBe(204);
    const res = await h.admin('/subscribers/a%00b', { method: 'DELETE' });
    expect(res.status, await res.text()).toBe(204);
    expect((await subscribers()).total).toBe(1);
  });

  it('POST /api/admin/deliveries/a%00b/retry answers 404 not_found', async () => {
    await expectError(await h.admin('/deliveries/nobody/retry', { method: 'POST' }), 404, 'not_found');
    await expectError(await h.admin('/deliveries/a%00b/retry', { method: 'POST' }), 404, 'not_found');
  });

  it.each([
    ['GET', '/incidents/a%00b'],
    ['GET', '/incidents/a%00b/postmortem'],
    ['GET', '/maintenances/a%00b'],
    ['POST', '/maintenances/a%00b/start'],
    ['GET', '/components/a%00b'],
    ['DELETE', '/components/a%00b'],
    ['GET', '/channels/a%00b'],
    ['DELETE', '/channels/a%00b'],
    ['POST', '/channels/a%00b/pause'],
  ])('%s /api/admin%s answers 404 not_found', async (method, path) => {
    const res = await h.admin(path, { method, ...(method === 'POST' ? { body: {} } : {}) });
    expect(res.status).toBe(404);
    expect(((await res.json()) as ErrorBody).error.code).toBe('not_found');
  });

  it.each([
    '/subscribe/confirm/a%00b',
    '/subscribe/manage/a%00b',
    '/unsubscribe/a%00b',
    '/subscribe/confirm/abcdefghijkl.aaaaaaaaaaaaaaaaaaaa%00',
  ])('the link page %s answers 404 (an invalid link)', async (path) => {
    const res = await fetch(`${h.url}${path}`);
    expect(res.status).toBe(404);
    expect(await res.text()).toMatch(/not valid/);
  });

  it('the console: removing subscriber "a\\0b" removes nobody (303, removed=0); retrying delivery "a\\0b" says there is none (404)', async () => {
    const removed = await s.post('/admin/subscribers', { id: 'a\u0000b' });
    expect(removed.status).toBe(303);
    expect(removed.headers.get('location')).toBe('/admin/subscribers?removed=0');
    expect((await subscribers()).total).toBe(1);

    const retried = await s.post('/admin/deliveries', { action: 'retry', id: 'a\u0000b' });
    const html = await retried.text();
    expect(retried.status).toBe(404);
    expect(html).toMatch(/<div class="notice bad" role="alert" tabindex="-1" autofocus><p>No delivery[^<]*<\/p>/);
  });

  /** C0 controls but tab and line breaks, and DEL: none belongs in a page. */
  const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
  const IDS = ['a\u0000b', 'a\u001Bb', '\u0007'];
  const inPath = encodeURIComponent;
  /** A console GET, or a console form post, naming `id`. */
  const get = (path: (id: string) => string) => (id: string) => fetch(`${h.url}${path(id)}`, { headers: { cookie: s.cookie } });
  const post = (path: string, form: (id: string) => Record<string, string>) => (id: string) => s.post(path, form(id));

  async function expectNoControls(send: (id: string) => Promise<Response>, status: number): Promise<void> {
    for (const id of IDS) {
      const res = await send(id);
      const body = await res.text();
      expect(res.status, `${JSON.stringify(id)}: ${body.slice(0, 300)}`).toBe(status);
      expect(body, JSON.stringify(id)).not.toMatch(CONTROL);
    }
  }

  it.each([
    { name: 'GET /admin/incidents/:id', send: get((id) => `/admin/incidents/${inPath(id)}`) },
    { name: 'GET /admin/incidents/:id/postmortem', send: get((id) => `/admin/incidents/${inPath(id)}/postmortem`) },
    {
      name: 'GET /admin/incidents/:id/correct?update=:id',
      send: get((id) => `/admin/incidents/${inPath(id)}/correct?update=${inPath(id)}`),
    },
    { name: 'GET /admin/components/:id/edit (no such page)', send: get((id) => `/admin/components/${inPath(id)}/edit`) },
    { name: 'GET /admin/preview-email?draft=:id', send: get((id) => `/admin/preview-email?draft=${inPath(id)}`) },
    { name: 'POST /admin/maintenance/:id (a step)', send: (id: string) => s.post(`/admin/maintenance/${inPath(id)}`, { step: 'start' }) },
    {
      name: 'POST /admin/incidents/:id/postmortem',
      send: (id: string) => s.post(`/admin/incidents/${inPath(id)}/postmortem`, { action: 'save', body: 'x' }),
    },
    { name: 'POST /admin/components, edit', send: post('/admin/components', (id) => ({ action: 'edit', id, name: 'Renamed' })) },
    { name: 'POST /admin/components, delete', send: post('/admin/components', (id) => ({ action: 'delete', id })) },
    ...['edit', 'test', 'pause', 'resume', 'delete'].map((action) => ({
      name: `POST /admin/channels, ${action}`,
      send: post('/admin/channels', (id) => ({ action, id, name: 'Renamed' })),
    })),
    { name: 'POST /admin/deliveries, retry', send: post('/admin/deliveries', (id) => ({ action: 'retry', id })) },
    { name: 'POST /admin/preview, an update of incident :id', send: post('/admin/preview', (id) => ({ kind: 'update', incident: id })) },
  ])('the console, $name, with an id no id can have (NUL, ESC, BEL): 404, and the page quotes no control character', ({ send }) =>
    expectNoControls(send, 404),
  );

  it('the console, POST /admin/publish of draft :id: 410 (expired), and the page quotes no control character', () =>
    expectNoControls(
      post('/admin/publish', (id) => ({ draft: id })),
      410,
    ));

  it.each([
    {
      name: 'POST /admin/maintenance, a window of component :id',
      send: post('/admin/maintenance', (id) => ({ name: 'Window', from: '2031-01-01T10:00', until: '2031-01-01T11:00', components: id })),
    },
    {
      name: 'POST /admin/preview, an incident declared on component :id',
      send: post('/admin/preview', (id) => ({
        kind: 'declare',
        name: 'Outage',
        impact: 'major',
        body: 'Down.',
        [`component.${id}`]: 'major_outage',
      })),
    },
    {
      name: 'POST /admin/channels, a channel for component :id',
      // The form keeps what was typed (refused by the verb, not the schema: emptied before).
      keeps: 'value="Hook"',
      send: post('/admin/channels', (id) => ({
        action: 'create',
        kind: 'webhook',
        name: 'Hook',
        url: 'https://hooks.example.com/x',
        components: id,
      })),
    },
  ] as Array<{ name: string; keeps?: string; send: (id: string) => Promise<Response> }>)(
    'the console, $name (no such component): 422, and the page names it in a safe form',
    async ({ send, keeps }) => {
      await expectNoControls(send, 422);
      const page = await (await send('a\u0000b')).text();
      // Named in a safe form: its escape.
      expect(page).toMatch(/Unknown component (&quot;)?a\\u0000b/);
      if (keeps) expect(page).toContain(keeps);
    },
  );

  it('nothing answered 500 and PostgreSQL was never handed a NUL', () => {
    expect(h.output()).not.toMatch(/22021|invalid byte sequence|Something went wrong|\[ERROR\]/);
  });
});
