import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, removeDir, runHeraldExpectingExit, tempDataDir, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { linkKey, storedText } from '../helpers/engine.ts';
import { httpRequest, rawHttp } from '../helpers/raw-http.ts';
import { LinkTokens } from '../../src/store/mail/tokens.ts';

/**
 * Named attack cases from a hostile review, each against a real server:
 * public writes from other sites, control characters, HEAD and odd methods,
 * keys and addresses that slipped through, and console forms with bad bytes.
 */
let h: HeraldProcess;
let s: ConsoleSession;

beforeAll(async () => {
  h = await startHerald({
    env: { SUBSCRIBE_LIMIT_PER_IP: '1000', SUBSCRIBE_LIMIT_PER_ADDRESS: '1000', SUBSCRIBE_LIMIT_PER_ADDRESS_PER_DAY: '1000' },
  });
  expect((await h.admin('/components', { body: { id: 'api', name: 'API' } })).status).toBe(201);
  s = await signIn(h);
});
afterAll(() => stopAll(h));

const dataFile = () => storedText(h);
const subscribe = (body: string, headers: Record<string, string>) => fetch(`${h.url}/api/subscribers`, { method: 'POST', headers, body });
const subscriberCount = async () => ((await (await h.admin('/subscribers')).json()) as { total: number }).total;

describe('public writes refuse other sites and loose content types', () => {
  it('POST /api/subscribers with text/plain (a cross-site "simple" request) answers 415 and subscribes nobody', async () => {
    const before = await subscriberCount();
    const res = await subscribe(JSON.stringify({ email: 'plain@example.com' }), { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unsupported_media_type');
    expect(await subscriberCount()).toBe(before);
  });

  it.each([
    ['a foreign Origin', { origin: 'https://evil.example' }],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
  ])('POST /api/subscribers with %s answers 403', async (_name, headers) => {
    const before = await subscriberCount();
    const res = await subscribe(JSON.stringify({ email: 'cross@example.com' }), { 'content-type': 'application/json', ...headers });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('cross_site');
    expect(await subscriberCount()).toBe(before);
  });

  it('a same-origin browser (Origin: the site) and a client without Origin (curl, an app) are accepted', async () => {
    const same = await subscribe(JSON.stringify({ email: 'same@example.com' }), {
      'content-type': 'application/json',
      origin: h.url,
      'sec-fetch-site': 'same-origin',
    });
    expect(same.status).toBe(202);
    const bare = await subscribe(JSON.stringify({ email: 'bare@example.com' }), { 'content-type': 'application/json; charset=utf-8' });
    expect(bare.status).toBe(202);
  });

  it.each([
    ['/subscribe', { email: 'cross-form@example.com' }],
    ['/subscribe/manage/abcdefghijkl.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', { components: 'all' }],
    ['/admin/login', { name: 'Mallory', secret: 'x'.repeat(32) }],
  ])("POST %s with the site's own Origin but Sec-Fetch-Site: cross-site answers 403, as the JSON API does", async (path, fields) => {
    const before = await subscriberCount();
    const post = (headers: Record<string, string>) =>
      fetch(`${h.url}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(fields).toString(),
      });
    const cross = await post({ origin: h.url, 'sec-fetch-site': 'cross-site' });
    expect(cross.status).toBe(403);
    expect(await cross.text()).toContain('Cross-site requests are refused.');
    expect((await post({ origin: 'https://status.example.net', 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect(cross.headers.get('set-cookie')).toBeNull();
    expect(await subscriberCount()).toBe(before);
  });

  it('the same form post from the page itself (Sec-Fetch-Site: same-origin) still goes through', async () => {
    const res = await fetch(`${h.url}/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: h.url, 'sec-fetch-site': 'same-origin' },
      body: new URLSearchParams({ email: 'same-form@example.com' }).toString(),
    });
    expect(res.status).toBe(200);
  });

  it("POST /unsubscribe/:token from another site answers 403; a mail provider's one-click (no Origin) is not refused as cross-site", async () => {
    const token = 'abcdefghijkl.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    const body = 'List-Unsubscribe=One-Click';
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    const cross = await fetch(`${h.url}/unsubscribe/${token}`, {
      method: 'POST',
      headers: { ...headers, origin: 'https://evil.example' },
      body,
    });
    expect(cross.status).toBe(403);
    const oneClick = await fetch(`${h.url}/unsubscribe/${token}`, { method: 'POST', headers, body });
    expect(oneClick.status).toBe(404); // an unknown token: refused for being invalid, not for its origin
  });
});

describe('control characters and broken Unicode are refused at input with the field named, and nothing is stored', () => {
  const CONTROLS = {
    NUL: '\u0000',
    BEL: '\u0007',
    'U+0001': '\u0001',
    VT: '\u000b',
    FF: '\u000c',
    DEL: '\u007f',
    'U+0085': '\u0085',
    // Served as "\ud800" in the Statuspage JSON, which strict readers (Rust's serde_json) refuse whole.
    'a lone high surrogate': '\ud800',
    'a lone low surrogate': '\udfff',
    'the noncharacter U+FFFF': '\uffff',
    'the noncharacter U+FDD0': '\ufdd0',
  };

  it.each(Object.entries(CONTROLS))('%s in an incident name, an update body, a component name or description', async (_name, ch) => {
    const before = await dataFile();
    const cases: Array<[string, object, string]> = [
      ['/incidents', { name: `Out${ch}age`, impact: 'major', body: 'Investigating.' }, 'name'],
      ['/incidents', { name: `Outage${ch}`, impact: 'major', body: 'Investigating.' }, 'name'],
      ['/incidents', { name: 'Outage', impact: 'major', body: `Investigating${ch}.` }, 'body'],
      ['/components', { name: `Web${ch}site` }, 'name'],
      ['/components', { name: 'Website', description: `front${ch}end` }, 'description'],
      ['/maintenances', { name: `DB${ch}`, scheduled_for: '2099-01-01T00:00:00Z', scheduled_until: '2099-01-01T01:00:00Z' }, 'name'],
    ];
    for (const [path, body, field] of cases) {
      const res = await h.admin(path, { body });
      expect(res.status, `${path} ${field}`).toBe(422);
      expect(((await res.json()) as { error: { field: string } }).error.field).toBe(field);
    }
    expect(await dataFile()).toBe(before);
  });

  it.each(Object.entries(CONTROLS))('%s in a channel URL, through the API', async (_name, ch) => {
    const before = await dataFile();
    // URL parsing percent-encodes most of them, but the channel stored the text as sent.
    for (const url of [`https://example.com/a${ch}b`, `https://example.com/${ch}`]) {
      const res = await h.admin('/channels', { body: { kind: 'webhook', name: 'Hook', url } });
      expect(res.status, url).toBe(422);
      expect(((await res.json()) as { error: { field: string } }).error.field).toBe('url');
    }
    expect(await dataFile()).toBe(before);
  });

  it('a bidirectional override (U+202E, which turned a mail subject around) or isolate is refused in a name, kept in a body', async () => {
    const before = await dataFile();
    for (const [path, body] of [
      ['/incidents', { name: 'Outage \u202egnp.exe', impact: 'major', body: 'Investigating.' }],
      ['/components', { name: 'Web\u2067site' }],
      ['/maintenances', { name: 'DB \u202d', scheduled_for: '2099-01-01T00:00:00Z', scheduled_until: '2099-01-01T01:00:00Z' }],
    ] as const) {
      const res = await h.admin(path, { body });
      expect(res.status, path).toBe(422);
      // Named as what it is (before: "must not contain control characters or broken Unicode").
      expect(((await res.json()) as { error: { field: string; message: string } }).error).toMatchObject({
        field: 'name',
        message: expect.stringContaining('bidirectional controls (U+202A–U+202E, U+2066–U+2069)'),
      });
    }
    expect(await dataFile()).toBe(before);
    const rtl = await h.admin('/incidents', { body: { name: 'Bidi body', impact: 'minor', body: 'Quoted: \u2067שלום\u2069 ok.' } });
    expect(rtl.status).toBe(201);
  });

  // From a hunt: a name of zero-width spaces made an untitled component, and a subject "Service disruption: ".
  it("a name or body of characters drawn as nothing is refused as empty; at a name's ends they are cut like spaces", async () => {
    const before = await dataFile();
    for (const blank of ['\u200b', '\u200d\u200c', '\u2800', '\u3164', '\u00ad', '\u180e', '\u034f', ' \u2060 ']) {
      for (const [path, body, field] of [
        ['/incidents', { name: blank, impact: 'major', body: 'Investigating.' }, 'name'],
        ['/incidents', { name: 'Outage', impact: 'major', body: blank }, 'body'],
        ['/components', { name: blank }, 'name'],
      ] as const) {
        const res = await h.admin(path, { body });
        expect(res.status, `${path} ${field} ${JSON.stringify(blank)}`).toBe(422);
        expect(((await res.json()) as { error: { field: string; message: string } }).error).toMatchObject({
          field,
          message: `${field} must not be empty`,
        });
      }
    }
    expect(await dataFile()).toBe(before);
    // "API" exists: "API" with a zero-width space after it is the same name, not a second component.
    const twin = await h.admin('/components', { body: { name: 'API\u200b' } });
    expect(twin.status).toBe(409);
    expect(((await twin.json()) as { error: { code: string } }).error.code).toBe('duplicate_name');
    // So is a group named so, and a blank at a name's end.
    const grouped = await h.admin('/components', { body: { name: 'Checkout', group: 'Core\u200b' } });
    const again = await h.admin('/components', { body: { name: 'Search', group: '\u2800Core' } });
    expect([grouped.status, again.status]).toEqual([201, 201]);
    const groups = [(await grouped.json()) as { group: string }, (await again.json()) as { group: string }].map((c) => c.group);
    expect(groups[0]).toBe(groups[1]);
    expect((await h.admin('/components', { body: { name: 'API\u3164' } })).status).toBe(409);
    const hook = await h.admin('/channels', { body: { kind: 'webhook', name: '\u200b', url: 'https://example.com/hook' } });
    expect(hook.status).toBe(422);
    expect(((await hook.json()) as { error: { field: string } }).error.field).toBe('name');
    // A zero-width joiner at a word's end shapes its last letter (Malayalam's chillu): it stays.
    const chillu = await h.admin('/incidents', { body: { name: 'അവന്\u200d', impact: 'minor', body: 'x' } });
    expect(((await chillu.json()) as { name: string }).name).toBe('അവന്\u200d');
    // Inside a name they stay: a family emoji is joined by them.
    const family = await h.admin('/incidents', {
      body: { name: '\u200bFamily 👨\u200d👩\u200d👧 plans\u200b', impact: 'minor', body: 'x' },
    });
    expect(family.status).toBe(201);
    expect(((await family.json()) as { name: string }).name).toBe('Family 👨\u200d👩\u200d👧 plans');
  });

  it('tab and line breaks stay allowed in a body (Markdown needs them), never in a name', async () => {
    const ok = await h.admin('/incidents', {
      body: { name: 'Tabbed body', impact: 'minor', body: 'Line one\n\n\tindented\r\nline three' },
    });
    expect(ok.status).toBe(201);
    const tabbedName = await h.admin('/incidents', { body: { name: 'Tab\tname', impact: 'minor', body: 'x' } });
    expect(tabbedName.status).toBe(422);
    // A surrogate pair is a character like any other (an emoji), in a name or a body.
    expect((await h.admin('/incidents', { body: { name: 'Payments 💳', impact: 'minor', body: 'Cards 💳 fail.' } })).status).toBe(201);
  });

  it('the console refuses them on its forms too (declare preview), storing nothing', async () => {
    const before = await dataFile();
    const res = await s.post('/admin/preview', {
      kind: 'declare',
      name: 'Bell\u0007',
      impact: 'major',
      body: 'x',
      body_template: '',
      notify_shown: '0',
    });
    expect(res.status).toBe(422);
    expect(await res.text()).toMatch(/Name must not contain control characters/);
    const component = await s.post('/admin/components', { action: 'create', name: 'Null\u0000' });
    expect(component.status).toBe(422);
    expect(await dataFile()).toBe(before);
  });

  it.each([
    ['NUL', '\u0000'],
    ['BEL', '\u0007'],
    // (A lone surrogate cannot travel in a form: UTF-8 has no bytes for it.)
    ['the noncharacter U+FFFF', '\uffff'],
  ])("the console's channel form refuses %s in a URL with the message by the field, storing nothing", async (_name, ch) => {
    const before = await dataFile();
    const res = await s.post('/admin/channels', { action: 'create', kind: 'webhook', name: 'Hook', url: `https://example.com/a${ch}b` });
    expect(res.status).toBe(422);
    expect(await res.text()).toMatch(/<p class="error" id="ch-url-error">Url must not contain control characters, bidirectional controls/);
    expect(await dataFile()).toBe(before);
  });

  it.each([
    ['a trailing VT', 'root_cause', 'r\u000b'],
    ['a leading FF', 'root_cause', '\u000cr'],
    ['a trailing VT', 'resolution', 'fixed\u000b'],
    ['a leading FF', 'prevention', '\u000calerts'],
  ])('the update form refuses %s in %s as the API does (it was trimmed off and a draft saved)', async (_name, field, value) => {
    const open = await h.admin('/incidents', { body: { name: `Open for ${field}`, impact: 'minor', body: 'x' } });
    expect(open.status).toBe(201);
    const { id } = (await open.json()) as { id: string };
    const api = await h.admin(`/incidents/${id}/updates`, { body: { status: 'resolved', body: 'Fixed.', [field]: value } });
    expect(api.status).toBe(422);
    expect(((await api.json()) as { error: { field: string } }).error.field).toBe(field);
    const before = await dataFile();
    const res = await s.post('/admin/preview', {
      kind: 'update',
      incident: id,
      status: 'resolved',
      body: 'Fixed.',
      body_template: '',
      notify_shown: '0',
      [field]: value,
    });
    expect(res.status).toBe(422);
    // Named, with its line: drawn as nothing, it could not be found otherwise.
    expect(await res.text()).toMatch(new RegExp(`${field} must not contain a (vertical tab|form feed) .*?: there is one on line 1`, 'i'));
    expect(await dataFile()).toBe(before);
  });

  it('SITE_NAME with a line break is refused at start (it would break email headers and the calendar)', async () => {
    const dir = tempDataDir();
    try {
      const { code, output } = await runHeraldExpectingExit({ DATA_DIR: dir, SITE_NAME: 'Acme\r\nX-Injected: 1' });
      expect(code).toBe(1);
      expect(output).toMatch(/SITE_NAME: must be one line without control characters/);
    } finally {
      removeDir(dir);
    }
  });
});

describe('HEAD and odd methods', () => {
  it.each([['/'], ['/subscribe'], ['/history'], ['/admin/login'], ['/api/v2/status.json']])(
    'HEAD %s answers like GET without a body, and logs nothing',
    async (path) => {
      const logged = h.output().length;
      const get = await fetch(`${h.url}${path}`);
      const head = await fetch(`${h.url}${path}`, { method: 'HEAD' });
      expect(head.status).toBe(get.status);
      expect(head.headers.get('content-type')).toBe(get.headers.get('content-type'));
      expect(head.headers.get('content-security-policy')).toBe(get.headers.get('content-security-policy'));
      expect(await head.text()).toBe('');
      await new Promise((r) => setTimeout(r, 50));
      expect(h.output().slice(logged)).toBe('');
    },
  );

  it.each([['TRACE'], ['CONNECT']])('%s answers 405 with Allow, and logs nothing', async (method) => {
    const logged = h.output().length;
    const url = new URL(h.url);
    const target = method === 'CONNECT' ? `${url.hostname}:${url.port}` : '/';
    const reply = await rawHttp(
      Number(url.port),
      url.hostname,
      `${method} ${target} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n\r\n`,
    );
    expect(reply).toMatch(/^HTTP\/1\.1 405 Method Not Allowed\r\n/);
    // TRACE asks for a page, which answers GET, HEAD and POST; CONNECT names no path: the methods Herald answers anywhere.
    const allow = method === 'CONNECT' ? 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS' : 'GET, HEAD, POST';
    expect(reply).toMatch(new RegExp(`\r\nallow: ${allow}\r\n`, 'i'));
    // The security headers every response carries (CONNECT's, written by hand, had none).
    expect(reply).toMatch(/\r\nx-content-type-options: nosniff\r\n/i);
    expect(reply).toMatch(/\r\ncontent-security-policy: default-src 'self';/i);
    expect(h.output().slice(logged)).toBe('');
  });

  it.each([
    ['TRACE', '/api/subscribers', 'POST'],
    ['PROPFIND', '/api/v2/summary.json', 'GET, HEAD, OPTIONS'],
    // Before signing in, an admin path tells nothing of its routes: an unknown one is answered the same.
    ['PROPFIND', '/api/admin/components', 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS'],
    ['PROPFIND', '/api/admin/settings', 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS'],
    ['PROPFIND', '/api/admin/no-such-route', 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS'],
  ])('%s %s answers 405 with the JSON error every API refusal has, and Allow: %s', async (method, path, allow) => {
    const res = await httpRequest(`${h.url}${path}`, method);
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe(allow);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(res.body)).toEqual({ error: { code: 'method_not_allowed', message: `The method ${method} is not allowed here.` } });
  });
});

describe('smaller holes', () => {
  it.each([
    ['Bearer a b c', 'Bearer error="invalid_request"'],
    // No token at all is read as no Bearer credential (as another scheme is): the challenge without an error code.
    ['Bearer', 'Bearer'],
    ['Bearer ä', 'Bearer error="invalid_request"'],
    ['bearer  not-the-token-0123456789', 'Bearer error="invalid_token"'],
  ])('Authorization: %s is no credential: 401 unauthorized, not 400, with the Bearer challenge', async (authorization, challenge) => {
    const res = await fetch(`${h.url}/api/admin/components`, { headers: { authorization } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    expect(res.headers.get('cache-control')).toMatch(/no-store/);
    expect(res.headers.get('www-authenticate')).toBe(challenge);
  });

  it('the token is read as bearer-auth reads it: the scheme in any case, spaces before the token', async () => {
    for (const authorization of [`Bearer ${h.token}`, `bearer ${h.token}`, `BEARER   ${h.token}`]) {
      expect((await fetch(`${h.url}/api/admin/components`, { headers: { authorization } })).status, authorization).toBe(200);
    }
  });

  it('a "__proto__" component key answers 422 naming it, instead of being dropped', async () => {
    const before = await dataFile();
    const res = await h.admin('/incidents', {
      body: '{"name":"Proto","impact":"major","body":"x","components":{"__proto__":"major_outage"}}',
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { field: string } }).error.field).toBe('components.__proto__');
    expect(await dataFile()).toBe(before);
  });

  it('the declare form refuses a component.__proto__ field with a form error, as the API does (it was dropped without a word)', async () => {
    const before = await dataFile();
    const res = await s.post('/admin/preview', {
      kind: 'declare',
      name: 'Proto',
      severity: 'sev2',
      body: 'x',
      body_template: '',
      notify_shown: '0',
      'component.__proto__': 'major_outage',
    });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('A key named __proto__ is not allowed.');
    expect(await dataFile()).toBe(before);
  });

  it('an address whose local part is over 64 characters is refused (422)', async () => {
    const res = await subscribe(JSON.stringify({ email: `${'a'.repeat(65)}@example.com` }), { 'content-type': 'application/json' });
    expect(res.status).toBe(422);
    const ok = await subscribe(JSON.stringify({ email: `${'a'.repeat(64)}@example.com` }), { 'content-type': 'application/json' });
    expect(ok.status).toBe(202);
  });

  it('a 429 from a page says "429 Too Many Requests" on its status line', async () => {
    const limited = await startHerald({ env: { SUBSCRIBE_LIMIT_PER_IP: '1' } });
    try {
      const url = new URL(limited.url);
      const body = 'email=x%40example.com';
      const post = async () =>
        (
          await rawHttp(
            Number(url.port),
            url.hostname,
            `POST /subscribe HTTP/1.1\r\nHost: ${url.host}\r\nOrigin: ${limited.url}\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
              `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
          )
        ).split('\r\n')[0]!;
      expect(await post()).toBe('HTTP/1.1 303 See Other');
      expect(await post()).toBe('HTTP/1.1 429 Too Many Requests');
    } finally {
      await limited.stop();
      removeDir(limited.dataDir);
    }
  });

  it('a console form with invalid UTF-8 answers 400 like the API, storing no U+FFFD', async () => {
    const before = await dataFile();
    const body = new URLSearchParams({ csrf: s.csrf, action: 'create' }).toString() + '&name=Bad%FFbyte';
    const res = await s.post('/admin/components', {}, { body });
    expect(res.status).toBe(400);
    expect(await dataFile()).toBe(before);
    expect(await dataFile()).not.toContain('\ufffd');
    const api = await fetch(`${h.url}/api/admin/components`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
      body: Buffer.from('{"name":"Bad\xffbyte"}', 'latin1'),
    });
    expect(api.status).toBe(400);
  });

  it('an impossible estimate on the preview form (2026-02-30T25:00, or a day the month lacks, or no zone) comes back 422 with its error and the value as typed, storing and logging nothing', async () => {
    const open = await h.admin('/incidents', { body: { name: 'Open for the estimate', impact: 'minor', body: 'x' } });
    expect(open.status).toBe(201);
    const { id } = (await open.json()) as { id: string };
    const before = await dataFile();
    const logged = h.output().length;
    const forms: Array<Record<string, string>> = [
      { kind: 'declare', name: 'Test', severity: 'sev3', body: 'hi', body_template: '', notify_shown: '0' },
      { kind: 'update', incident: id, status: 'identified', body: 'hi', body_template: '', notify_shown: '0' },
    ];
    for (const form of forms) {
      // 2027-02-30T10:00 was read as 2 March, and a time without a zone in the server's zone.
      for (const eta of ['2026-02-30T25:00', '2026-13-01T00:00', '9999-99-99T99:99', '2027-02-30T10:00', '2027-03-01T10:00']) {
        const res = await s.post('/admin/preview', { ...form, eta });
        expect(res.status, `${form.kind} ${eta}`).toBe(422);
        const page = await res.text();
        expect(page).toMatch(/<p class="error" id="eta-error">Choose an estimate from the list\.<\/p>/);
        expect(page).toMatch(new RegExp(`<option value="${eta}"[^>]* selected>`));
      }
    }
    expect(await dataFile()).toBe(before);
    expect((await s.post('/admin/preview', { ...forms[0]!, eta: '60' })).status).toBe(200);
    // A draft's estimate, as the form sends it back from the preview, still reads.
    const year = new Date().getUTCFullYear() + 1; // ahead, as an estimate must be
    const back = await s.post('/admin/preview', { ...forms[0]!, eta: `${year}-03-01T10:00:00.000Z` });
    expect(back.status).toBe(200);
    const page = await back.text();
    expect(page).toContain(`<dt>Estimated resolution</dt><dd>1 Mar ${year}, 10:00 UTC</dd>`);
    // The banner as apps draw it names the day too: "10:00" alone reads as today.
    expect(page).toContain(`<span>hi. Estimated resolution: 1 Mar ${year}, 10:00 UTC.</span>`);
    expect(h.output().slice(logged)).not.toMatch(/RangeError|Invalid time value|\n\s+at /);
  });

  it('a published draft belongs to its session: another admin session that knows its id is not sent to it', async () => {
    const preview = await s.post('/admin/preview', {
      kind: 'declare',
      name: 'Draft owner',
      impact: 'minor',
      body: 'x',
      body_template: '',
      notify_shown: '0',
    });
    expect(preview.status).toBe(200);
    const draft = /name="draft" value="([^"]+)"/.exec(await preview.text())![1]!;
    const published = await s.post('/admin/publish', { draft });
    expect(published.status).toBe(303);
    const other = await signIn(h, 'Mallory');
    const replay = await other.post('/admin/publish', { draft });
    expect(replay.status).toBe(410);
    expect(replay.headers.get('location')).toBeNull();
    // The owner's retry still lands on what was published, once.
    const again = await s.post('/admin/publish', { draft });
    expect(again.status).toBe(303);
    expect(again.headers.get('location')).toBe(published.headers.get('location'));
  });
});

describe('input deep enough to exhaust a recursive walk (a second hostile review)', () => {
  // 7,000 levels in 14 KB: within the public body limit, and past the depth a recursive walk survived.
  const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

  it('a subscribe nested 7,000 levels deep answers 422 naming the field, logs no error, subscribes nobody', async () => {
    const before = await subscriberCount();
    const res = await subscribe(`{"email":${deep(7000)}}`, { 'content-type': 'application/json' });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { field: string } }).error.field).toBe('email');
    expect(await subscriberCount()).toBe(before);
    expect(h.output()).not.toMatch(/RangeError|Maximum call stack/);
  });

  it('an admin write nested as deep answers 422 and stores nothing; input just inside the bound still reaches the schema', async () => {
    const before = await dataFile();
    const res = await h.admin('/incidents', { body: `{"name":"Deep","impact":"major","body":"x","components":{"api":${deep(7000)}}}` });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { field: string } }).error.field).toBe('components');
    // Just inside the bound the schema answers (a list is not a status), as for any other wrong shape.
    const inside = await h.admin('/incidents', { body: `{"name":"Deep","impact":"major","body":"x","components":{"api":${deep(30)}}}` });
    expect(inside.status).toBe(422);
    expect(((await inside.json()) as { error: { field: string } }).error.field).toBe('components.api');
    expect(await dataFile()).toBe(before);
    expect(h.output()).not.toMatch(/RangeError|Maximum call stack/);
  });
});

describe('Markdown nested too deep for marked to read back (a second hostile review)', () => {
  it('an update body quoting 3,000 levels deep answers 422 naming body and stores nothing; ordinary nesting is stored', async () => {
    const before = await dataFile();
    const res = await h.admin('/incidents', { body: { name: 'Quotes', impact: 'major', body: '>'.repeat(3000) } });
    expect(res.status).toBe(422);
    expect((await res.json()) as { error: { field: string; message: string } }).toMatchObject({
      error: { field: 'body', message: expect.stringMatching(/too deeply/) },
    });
    expect(await dataFile()).toBe(before);
    const ok = await h.admin('/incidents', { body: { name: 'Quotes', impact: 'major', body: '> - a\n>   - **b**\n>     - c' } });
    expect(ok.status).toBe(201);
  });

  it('the console refuses it too (declare preview), storing nothing', async () => {
    const before = await dataFile();
    const res = await s.post('/admin/preview', { kind: 'declare', name: 'Quotes', severity: 'sev3', body: '>'.repeat(3000) });
    expect(res.status).toBe(422);
    expect(await res.text()).toMatch(/too deeply/);
    expect(await dataFile()).toBe(before);
  });
});

describe('a subscription form whose body cannot be read changes nothing (a second hostile review)', () => {
  it("the manage page answers 400 and keeps the subscriber's choice, instead of saving 'everything'", async () => {
    const res = await subscribe(JSON.stringify({ email: 'chooser@example.com', components: ['api'] }), {
      'content-type': 'application/json',
    });
    expect(res.status).toBe(202);
    const find = async () => {
      const list = (await (await h.admin('/subscribers?q=chooser%40example.com')).json()) as {
        subscribers: Array<{ id: string; created_at: string; components: string[] }>;
      };
      return list.subscribers[0]!;
    };
    const sub = await find();
    expect(sub.components).toEqual(['api']);
    const page = `${h.url}/subscribe/manage/${new LinkTokens(await linkKey(h)).issue('manage', { id: sub.id, requested_at: sub.created_at })}`;
    const post = (contentType: string, body: string) =>
      fetch(page, { method: 'POST', headers: { origin: h.url, 'content-type': contentType }, body });
    for (const [contentType, body] of [
      ['multipart/form-data; boundary=zz', '--zz\r\nbad'],
      ['application/json', '{"components":[]}'],
      ['text/plain', 'components='],
    ]) {
      const bad = await post(contentType!, body!);
      expect(bad.status, contentType).toBe(400);
      expect(await bad.text()).toContain('nothing was changed');
      expect((await find()).components).toEqual(['api']);
    }
    // A form with every box unticked still means everything.
    const all = await post('application/x-www-form-urlencoded', '');
    expect(all.status).toBe(200);
    // Not confirmed yet: the form asks for the confirmation again with that choice; the page does not promise
    // what it will hear about (it said "You will hear about everything").
    expect(await all.text()).toContain('We sent a confirmation email to chooser@example.com.');
    expect((await find()).components).toEqual([]);
  });

  it('the subscribe page answers 400 for a body that is not a form', async () => {
    const res = await fetch(`${h.url}/subscribe`, {
      method: 'POST',
      headers: { origin: h.url, 'content-type': 'multipart/form-data; boundary=zz' },
      body: '--zz\r\nbad',
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('could not be read');
  });
});

describe('paths that are not percent-encoding (a second hostile review)', () => {
  it.each([['/subscribe/confirm/%'], ['/unsubscribe/%E0'], ['/admin/incidents/%E0%A4'], ['/subscribe/manage/%zz']])(
    'GET %s answers 400, and logs nothing',
    async (path) => {
      const logged = h.output().length;
      const res = await fetch(`${h.url}${path}`, { redirect: 'manual' });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('percent-encoding is broken');
      await new Promise((r) => setTimeout(r, 50));
      expect(h.output().slice(logged)).toBe('');
    },
  );

  it('an API path answers the JSON error; an escaped reserved character is still a path like any other', async () => {
    const api = await fetch(`${h.url}/api/v2/%E0.json`);
    expect(api.status).toBe(400);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('bad_request');
    expect((await fetch(`${h.url}/incidents/%2F`)).status).toBe(404);
    expect((await fetch(`${h.url}/%68istory`)).status).toBe(200);
    // An incident's page is served from memory ahead of the check: an id no incident has, so 404.
    expect((await fetch(`${h.url}/incidents/%zz`)).status).toBe(404);
  });
});

describe('methods a page does not answer (a second hostile review)', () => {
  it.each([
    ['DELETE', '/subscribe'],
    ['PUT', '/subscribe'],
    ['PATCH', '/subscribe/manage/abcdefghijkl.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'],
    ['OPTIONS', '/'],
    ['DELETE', '/history'],
  ])('%s %s answers 405 with Allow: GET, HEAD, POST, not the page', async (method, path) => {
    const res = await fetch(`${h.url}${path}`, { method, headers: { origin: h.url } });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(res.headers.get('content-security-policy')).toBeTruthy();
    expect(await res.text()).toBe('');
  });

  it.each([
    ['PUT', '/', 'GET, HEAD, POST'],
    ['PROPFIND', '/', 'GET, HEAD, POST'],
    ['PUT', '/embed.js', 'GET, HEAD'],
    ['POST', '/embed.js', 'GET, HEAD'],
    ['PROPFIND', '/favicon.svg', 'GET, HEAD'],
    ['POST', '/healthz', 'GET, HEAD'],
    ['PUT', '/history.rss', 'GET, HEAD, OPTIONS'],
    ['POST', '/history.rss', 'GET, HEAD, OPTIONS'],
    ['DELETE', '/maintenance.ics', 'GET, HEAD, OPTIONS'],
    ['PUT', '/index.json', 'GET, HEAD, OPTIONS'],
    ['PUT', '/api/banner.json', 'GET, HEAD, OPTIONS'],
    ['DELETE', '/api/v2/summary.json', 'GET, HEAD, OPTIONS'],
    ['PATCH', '/api/v2/summary.json', 'GET, HEAD, OPTIONS'],
    ['GET', '/api/subscribers', 'POST'],
  ])('%s %s answers 405 with Allow: %s, and each method it lists is answered', async (method, path, allow) => {
    const res = await fetch(`${h.url}${path}`, { method, headers: { origin: h.url } });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    if (path.startsWith('/api/')) {
      expect(await res.json()).toEqual({ error: { code: 'method_not_allowed', message: `The method ${method} is not allowed here.` } });
    } else expect(await res.text()).toBe('');
    // Each method listed is one the path answers: neither a 405 nor a 404 (a POST without a body may be refused otherwise).
    for (const allowed of allow.split(', ')) {
      const answer = await fetch(`${h.url}${path}`, { method: allowed, headers: { origin: h.url } });
      await answer.arrayBuffer();
      expect([404, 405], `${allowed} ${path}: ${answer.status}`).not.toContain(answer.status);
    }
  });

  it('an admin route lists its own methods (once signed in: the guard answers first)', async () => {
    const res = await h.admin('/components', { method: 'PATCH', body: {} });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, POST');
    const one = await h.admin('/components/api', { method: 'PUT', body: {} });
    expect(one.status).toBe(405);
    expect(one.headers.get('allow')).toBe('GET, HEAD, PATCH, DELETE');
    expect((await fetch(`${h.url}/api/admin/components`, { method: 'PATCH' })).status).toBe(401);
  });

  it.each([
    ['GET', '/api'],
    ['HEAD', '/api'],
    ['POST', '/api'],
    ['GET', '/api/nope'],
    ['PROPFIND', '/api/nope'],
    ['PUT', '/api/v2/nope.json'],
  ])('%s %s (no API route) answers the JSON 404', async (method, path) => {
    const res = await httpRequest(`${h.url}${path}`, method);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    if (method !== 'HEAD')
      expect(JSON.parse(res.body)).toEqual({ error: { code: 'not_found', message: `No API route ${method} ${path}.` } });
  });

  it('the JSON API keeps its own methods (a CORS preflight for the banner, DELETE on an admin resource)', async () => {
    const preflight = await fetch(`${h.url}/api/banner.json`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' },
    });
    expect(preflight.status).toBeLessThan(300);
    expect((await h.admin('/components/nope', { method: 'DELETE' })).status).toBe(404);
  });
});

describe('instants outside four-digit years (a second hostile review)', () => {
  it.each([['0001-01-01T00:00:00Z'], ['1969-12-31T23:59:59Z']])(
    'a backfill started %s answers 422 naming started_at, storing nothing',
    async (at) => {
      const before = await dataFile();
      const res = await h.admin('/incidents', { body: { name: 'Old', impact: 'minor', body: 'x', started_at: at } });
      expect(res.status).toBe(422);
      expect(((await res.json()) as { error: { field: string } }).error.field).toBe('started_at');
      expect(await dataFile()).toBe(before);
    },
  );

  it('a maintenance ending 9999-12-31T23:00:00-05:00 (year 10000 in UTC) answers 422 naming scheduled_until', async () => {
    const before = await dataFile();
    const res = await h.admin('/maintenances', {
      body: { name: 'Far', scheduled_for: '9999-12-31T20:00:00Z', scheduled_until: '9999-12-31T23:00:00-05:00', body: 'x' },
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { field: string } }).error.field).toBe('scheduled_until');
    expect(await dataFile()).toBe(before);
  });

  it('the first instant of 1970 is accepted', async () => {
    const res = await h.admin('/incidents', { body: { name: 'Epoch', impact: 'minor', body: 'x', started_at: '1970-01-01T00:00:00Z' } });
    expect(res.status).toBe(201);
  });
});
