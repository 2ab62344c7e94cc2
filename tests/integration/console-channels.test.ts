import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { until } from '../helpers/poll.ts';
import { all, byId, describedBy, dom, fieldsOf, submitted, textOf, type Doc, type El } from '../helpers/dom.ts';

/**
 * The console's channels page, from a review: a channel disabled by 410 Gone (or with a wrong URL) is
 * repaired there, by editing it; its forms, refused, say so from the top, each error tied to its field.
 * Over plain HTTP, as a browser with scripts off gets the pages.
 */
type Json = Record<string, any>;
let h: HeraldProcess;
let s: ConsoleSession;
let receiver: Server;
let base: string;
const hits: string[] = [];
/** How many more posts to /flaky answer 503 before it answers 200. */
let flakyLeft = 0;
/** How many more posts to /picky are refused for good (422) before it answers 200. */
let pickyLeft = 0;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      hits.push(req.url!);
      if (req.url === '/gone') res.writeHead(410).end('no such hook');
      else if (req.url === '/down') res.writeHead(500).end('down');
      else if (req.url === '/picky' && pickyLeft > 0) {
        pickyLeft--;
        res.writeHead(422).end('invalid_payload');
      } else if (req.url === '/flaky' && flakyLeft > 0) {
        flakyLeft--;
        res.writeHead(503).end('busy');
      } else res.writeHead(200).end();
    });
  });
  await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', () => ok()));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  h = await startHerald({
    env: { ALLOW_PRIVATE_WEBHOOKS: 'true', CHANNEL_TIMEOUT_MS: '1500', CHANNEL_RETRY_BASE_MS: '30', CHANNEL_RETRY_MAX_MS: '100' },
  });
  for (const [id, name] of [
    ['api', 'API'],
    ['search', 'Search'],
  ])
    expect((await h.admin('/components', { body: { id, name } })).status).toBe(201);
  s = await signIn(h);
}, 60_000);
afterAll(() => stopAll(h, () => receiver.close()));

const page = async (path: string) => dom(await (await fetch(`${h.url}${path}`, { headers: { cookie: s.cookie } })).text());
const channelOf = async (id: string) => (await (await h.admin(`/channels/${id}`)).json()) as Json;
/** A form post with repeated fields (components), as a browser sends ticked checkboxes. */
const postForm = (fields: Array<[string, string]>) =>
  s.post('/admin/channels', {}, { body: new URLSearchParams([['csrf', s.csrf], ...fields]).toString() });
const summaryLinks = (doc: Doc) => {
  const [alert] = all(doc, (e) => e.attribs.role === 'alert');
  expect(alert, 'an error summary').toBeDefined();
  expect(alert!.attribs.autofocus, 'the summary focused when the page loads').toBeDefined();
  return all(alert!, (e) => e.name === 'a').map((a) => ({ to: a.attribs.href!, text: textOf(a) }));
};
const fieldValue = (doc: Doc, id: string) => byId(doc, id)?.attribs.value;
const checkedIn = (root: Doc | El) =>
  all(root, (e) => e.name === 'input' && e.attribs.type === 'checkbox' && e.attribs.checked !== undefined).map((e) => e.attribs.value);

/** A channel disabled by 410 Gone with `waiting` updates of one incident waiting for it. */
async function disabledChannel(name: string, waiting: number): Promise<string> {
  const added = await h.admin('/channels', { body: { kind: 'slack', name, url: `${base}/gone`, components: ['api'] } });
  expect(added.status).toBe(201);
  const { id } = await added.json();
  const made = await h.admin('/incidents', {
    body: { name: `${name} incident`, impact: 'minor', body: 'Looking.', components: { api: 'degraded_performance' } },
  });
  const incident = (await made.json()).id as string;
  await until(async () => (await channelOf(id)).state === 'disabled', 'the channel disabled by 410');
  for (let i = 1; i < waiting; i++)
    expect((await h.admin(`/incidents/${incident}/updates`, { body: { status: 'identified', body: `Found it (${i}).` } })).status).toBe(
      201,
    );
  await until(async () => (await channelOf(id)).delivery.queued === waiting, `${waiting} updates waiting`);
  return id;
}

describe('editing a channel in the console', () => {
  it('a disabled channel gets a new URL there: refused first (what was typed kept, the error by its field), then saved, and what waited goes out', async () => {
    const id = await disabledChannel('War room', 2);
    const listed = await page('/admin/channels');
    const p = `edit-${id}`;
    // The edit form shows the channel as it is: its URL only redacted, the field left empty to keep it.
    expect(fieldValue(listed, `${p}-name`)).toBe('War room');
    expect(fieldValue(listed, `${p}-url`) ?? '').toBe('');
    expect(byId(listed, `${p}-url`)?.attribs.type).toBe('url');
    expect(textOf(byId(listed, `${p}-url-hint`)!)).toContain(`${base}/…`);
    expect(textOf(byId(listed, `${p}-url-hint`)!)).not.toContain('/gone');
    expect(checkedIn(byId(listed, `${p}-components`)!)).toEqual(['api']);
    const [form] = all(listed, (e) => e.name === 'form' && byId(e, `${p}-name`) !== undefined);
    expect(form?.attribs.method).toBe('post');
    // With what it shows of the channel, so that a save writes only what was changed in it.
    expect(fieldsOf(form!)).toEqual({
      csrf: s.csrf,
      action: 'edit',
      id,
      shown_name: 'War room',
      shown_components: 'api',
      shown_min_impact: '',
    });

    const typed: Array<[string, string]> = [
      ['action', 'edit'],
      ['id', id],
      ['name', 'War room (new)'],
      ['url', 'ftp://x'],
      ['components', 'api'],
      ['components', 'search'],
      ['min_impact', 'major'],
    ];
    const refused = await postForm(typed);
    expect(refused.status).toBe(422);
    const doc = dom(await refused.text());
    const links = summaryLinks(doc);
    expect(links.map((l) => l.to)).toEqual([`#${p}-url`]);
    const url = byId(doc, `${p}-url`)!;
    expect(url.attribs['aria-invalid']).toBe('true');
    expect(describedBy(doc, url).map((e) => e?.attribs.class)).toEqual(['error', 'hint']);
    expect(links[0]!.text).toBe(`URL: ${textOf(describedBy(doc, url)[0]!)}`);
    // What was typed is kept, in this channel's form, which stays open.
    expect(fieldValue(doc, `${p}-name`)).toBe('War room (new)');
    expect(fieldValue(doc, `${p}-url`)).toBe('ftp://x');
    expect(checkedIn(byId(doc, `${p}-components`)!)).toEqual(['api', 'search']);
    expect(all(byId(doc, `${p}-impact`)!, (e) => e.name === 'option' && e.attribs.selected !== undefined)[0]?.attribs.value).toBe('major');
    expect(all(doc, (e) => e.name === 'details' && e.attribs.open !== undefined)).toHaveLength(1);
    expect(await channelOf(id)).toMatchObject({ name: 'War room', state: 'disabled', components: ['api'], min_impact: null });

    const saved = await postForm([...typed.filter(([k]) => k !== 'url'), ['url', `${base}/new`]]);
    expect(saved.status).toBe(200);
    const flash = all(dom(await saved.text()), (e) => e.attribs.role === 'status').map(textOf);
    expect(flash).toEqual([
      'Channel “War room (new)” saved. With its new URL it is active again: the 2 updates waiting for it go out now, in order.',
    ]);
    expect(await channelOf(id)).toMatchObject({
      name: 'War room (new)',
      state: 'active',
      components: ['api', 'search'],
      min_impact: 'major',
    });
    await until(() => hits.filter((x) => x === '/new').length >= 2, 'the waiting updates posted to the new URL');
  });

  it('an empty URL keeps the current one; a paused channel given a new URL stays paused, as the API does it', async () => {
    const added = await h.admin('/channels', { body: { kind: 'teams', name: 'Ops', url: `${base}/ops` } });
    const { id } = await added.json();
    const kept = await postForm([
      ['action', 'edit'],
      ['id', id],
      ['name', 'Ops room'],
      ['url', ''],
    ]);
    expect(kept.status).toBe(200);
    expect(all(dom(await kept.text()), (e) => e.attribs.role === 'status').map(textOf)).toEqual(['Channel “Ops room” saved.']);
    expect((await channelOf(id)).name).toBe('Ops room');
    expect((await s.post('/admin/channels', { action: 'pause', id })).status).toBe(200);
    const moved = await postForm([
      ['action', 'edit'],
      ['id', id],
      ['name', 'Ops room'],
      ['url', `${base}/ops2`],
    ]);
    expect(all(dom(await moved.text()), (e) => e.attribs.role === 'status').map(textOf)).toEqual([
      'Channel “Ops room” saved. It is still paused: Resume sends new updates to the new URL.',
    ]);
    expect((await channelOf(id)).state).toBe('paused');
  });
});

describe('the add form, refused', () => {
  const add = (fields: Record<string, string>) =>
    s.post('/admin/channels', { action: 'create', kind: 'slack', name: 'Partner', url: 'https://partner.example.com/hook', ...fields });

  it('a URL that is not https: the summary, focused on load, links to the URL field, which points at its error and keeps its hint', async () => {
    const res = await add({ url: 'ftp://x' });
    expect(res.status).toBe(422);
    const doc = dom(await res.text());
    const links = summaryLinks(doc);
    expect(links.map((l) => l.to)).toEqual(['#ch-url']);
    const url = byId(doc, 'ch-url')!;
    expect(url.attribs['aria-invalid']).toBe('true');
    expect(fieldValue(doc, 'ch-url')).toBe('ftp://x');
    expect(describedBy(doc, url).map((e) => e?.attribs.class)).toEqual(['error', 'hint']);
    expect(links[0]!.text).toBe(`URL: ${textOf(describedBy(doc, url)[0]!)}`);
  });

  it('an unknown kind: the summary links to the first of the Kind choices, and the group points at its error', async () => {
    const res = await add({ kind: 'fax', name: '' });
    expect(res.status).toBe(422);
    const doc = dom(await res.text());
    const links = summaryLinks(doc);
    expect(links.map((l) => l.to)).toEqual(['#ch-kind-slack', '#ch-name']);
    for (const link of links) expect(byId(doc, link.to.slice(1)), `${link.to} is on the page`).toBeDefined();
    const [error] = describedBy(doc, byId(doc, 'ch-kind')!);
    expect(error?.attribs.class).toBe('error');
    expect(links[0]!.text).toBe(`Kind: ${textOf(error!)}`);
  });
});

describe('a channel that gets no updates is said where updates are written', () => {
  it('the dashboard, an incident page and GET /api/admin/dashboard name each paused or disabled channel, why, and what waits for it', async () => {
    const gone = await disabledChannel('Partner room', 2);
    const byHand = (await (await h.admin('/channels', { body: { kind: 'slack', name: 'Quiet room', url: `${base}/quiet` } })).json()).id;
    expect((await h.admin(`/channels/${byHand}/pause`, { method: 'POST' })).status).toBe(200);
    const failing = (
      await (await h.admin('/channels', { body: { kind: 'teams', name: 'Sick room', url: `${base}/down`, components: ['search'] } })).json()
    ).id;
    const made = await h.admin('/incidents', {
      body: { name: 'Search slow', impact: 'minor', body: 'Looking.', components: { search: 'degraded_performance' } },
    });
    const incident = (await made.json()).id as string;
    await until(async () => (await channelOf(failing)).state === 'paused', 'the failing channel paused after 10 failures');
    const expected = {
      [gone]: 'Partner room: disabled: the receiver refused its URL (HTTP 410: no such hook); 2 updates wait for it.',
      [byHand]: 'Quiet room: paused by hand; 1 update waits for it.',
      [failing]: 'Sick room: paused: 10 failures in a row; last: HTTP 500: down; 1 update waits for it.',
    };
    for (const path of ['/admin', `/admin/incidents/${incident}`]) {
      const doc = await page(path);
      const notice = byId(doc, 'channels-stopped');
      expect(notice, `${path}: the notice`).toBeDefined();
      expect(notice!.attribs.hidden, `${path}: shown`).toBeUndefined();
      const rows = Object.fromEntries(
        all(notice!, (e) => e.attribs['data-stopped'] !== undefined).map((li) => [li.attribs['data-stopped'], textOf(li)]),
      );
      expect(rows, path).toMatchObject(expected);
      expect(all(notice!, (e) => e.name === 'a').map((a) => a.attribs.href)).toEqual(['/admin/channels']);
    }
    // What public/admin/dashboard.js redraws the notice from.
    const json = (await (await h.admin('/dashboard')).json()) as Json;
    const stopped = Object.fromEntries((json.stopped_channels as Json[]).map((r) => [r.id, r]));
    expect(stopped[gone]).toEqual({
      id: gone,
      name: 'Partner room',
      state: 'disabled',
      why: 'disabled: the receiver refused its URL (HTTP 410: no such hook)',
      waiting: 2,
    });
    expect(stopped[byHand]).toMatchObject({ state: 'paused', why: 'paused by hand', waiting: 1 });
    expect(stopped[failing]).toMatchObject({ state: 'paused', waiting: 1 });
  });
});

describe("a channel's line on the channels page", () => {
  it('a failure the receiver has since answered is no longer its last error; a pause by hand reads as such, not as an error', async () => {
    const added = await h.admin('/channels', { body: { kind: 'webhook', name: 'Flaky partner', url: `${base}/flaky` } });
    expect(added.status).toBe(201);
    const { id } = await added.json();
    flakyLeft = 1;
    expect((await h.admin('/incidents', { body: { name: 'Flaky', impact: 'minor', body: 'Looking.', components: {} } })).status).toBe(201);
    await until(async () => (await channelOf(id)).delivery.sent >= 1, 'the post sent after one 503');
    expect(flakyLeft, 'it failed once first').toBe(0);
    expect((await channelOf(id)).delivery.last_error).toBeNull();
    const line = async () => all(await page('/admin/channels'), (e) => e.attribs['data-channel'] === id)[0]!;
    expect(textOf(await line())).not.toContain('Last error');

    expect((await h.admin(`/channels/${id}/pause`, { method: 'POST' })).status).toBe(200);
    const paused = await line();
    expect(textOf(paused)).toMatch(/Paused by hand \(\d/);
    expect(textOf(paused)).not.toContain('Last error');
    expect(
      all(paused, (e) => e.attribs.class === 'error'),
      'a pause by hand is no error',
    ).toEqual([]);
    expect((await h.admin(`/channels/${id}/resume`, { method: 'POST' })).status).toBe(200);

    // A failing channel paused by hand still shows why it was failing.
    const failing = await h.admin('/channels', { body: { kind: 'webhook', name: 'Down partner', url: `${base}/down` } });
    const down = (await failing.json()).id as string;
    expect((await h.admin('/incidents', { body: { name: 'Down', impact: 'minor', body: 'Looking.', components: {} } })).status).toBe(201);
    await until(async () => (await channelOf(down)).delivery.last_error !== null, 'a failed post');
    expect((await h.admin(`/channels/${down}/pause`, { method: 'POST' })).status).toBe(200);
    const downLine = textOf(all(await page('/admin/channels'), (e) => e.attribs['data-channel'] === down)[0]!);
    expect(downLine).toMatch(/Paused by hand \(.*\).*Last error \(.*\): HTTP 500/);
    expect((await h.admin(`/channels/${down}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('names the messages it did not get: which incident (linked), which message, when and why; the later ones went', async () => {
    const added = await h.admin('/channels', {
      body: { kind: 'webhook', name: 'Picky partner', url: `${base}/picky`, components: ['search'] },
    });
    const { id } = await added.json();
    // A webhook hears the declare and its component's change: both refused, the update after them taken.
    pickyLeft = 2;
    const made = await h.admin('/incidents', {
      body: { name: 'Search <i>slow</i>', impact: 'major', body: 'Looking.', components: { search: 'major_outage' } },
    });
    const incident = (await made.json()).id as string;
    expect((await h.admin(`/incidents/${incident}/updates`, { body: { status: 'identified', body: 'Found.' } })).status).toBe(201);
    await until(async () => {
      const { delivery } = await channelOf(id);
      return delivery.failed === 2 && delivery.sent === 1 && delivery.queued === 0;
    }, 'two messages refused, the next sent');
    const line = all(await page('/admin/channels'), (e) => e.attribs['data-channel'] === id)[0]!;
    const [failed] = all(line, (e) => e.name === 'details' && e.attribs.class?.includes('failed-posts') === true);
    expect(failed, 'the failed messages, folded').toBeDefined();
    expect(failed!.attribs.open).toBeUndefined();
    expect(textOf(all(failed!, (e) => e.name === 'summary')[0]!)).toBe('The 2 messages Picky partner did not get');
    const items = all(failed!, (e) => e.name === 'li');
    expect(items.map((li) => textOf(li).replace(/\(\d.*?\)/, '(TIME)'))).toEqual([
      'Search <i>slow</i>: Declared (TIME) HTTP 422: invalid_payload',
      'Search <i>slow</i>: Search: Major outage (TIME) HTTP 422: invalid_payload',
    ]);
    // The name is text, not markup; each links to the incident, where the messages can be read and posted by hand.
    expect(all(failed!, (e) => e.name === 'i')).toEqual([]);
    expect(items.map((li) => all(li, (e) => e.name === 'a')[0]?.attribs.href)).toEqual([
      `/admin/incidents/${incident}`,
      `/admin/incidents/${incident}`,
    ]);
    // The API names the same messages.
    const { failed_messages } = await channelOf(id);
    expect(failed_messages.map((f: Json) => [f.event?.name, f.what, f.error])).toEqual([
      ['Search <i>slow</i>', 'Declared', 'HTTP 422: invalid_payload'],
      ['Search <i>slow</i>', 'Search: Major outage', 'HTTP 422: invalid_payload'],
    ]);
    // Each named by its webhook-id, as the receiver saw it (before: the delivery id, with dots where it had `_`).
    const ids = failed_messages.map((f: Json) => f.id as string);
    for (const x of ids) expect(x).toMatch(new RegExp(`^${id}_[a-z0-9_-]+$`));
    expect(items.map((li) => textOf(all(li, (e) => e.name === 'code')[0]!))).toEqual(ids);
    expect(textOf(failed!)).toContain('A signed message cannot be sent by hand');
    // A channel with no failed message has no such list.
    const others = all(await page('/admin/channels'), (e) => e.attribs['data-channel'] !== undefined && e.attribs['data-channel'] !== id);
    for (const other of others)
      if (!/\d+ failed/.test(textOf(other))) expect(all(other, (e) => e.attribs.class?.includes('failed-posts') === true)).toEqual([]);
    expect((await h.admin(`/channels/${id}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('names the newest ten of more failed messages, and counts the older ones', async () => {
    // A component of its own: its change at the declare is a change whatever the tests before left.
    expect((await h.admin('/components', { body: { id: 'maps', name: 'Maps' } })).status).toBe(201);
    const added = await h.admin('/channels', {
      body: { kind: 'webhook', name: 'Very picky partner', url: `${base}/picky`, components: ['maps'] },
    });
    const { id } = await added.json();
    // Eleven refused: the declare and its component's change, then nine updates. Ten in a row pause the channel;
    // resumed, it is refused the eleventh too.
    pickyLeft = 11;
    const made = await h.admin('/incidents', {
      body: { name: 'Maps down', impact: 'major', body: 'Looking.', components: { maps: 'major_outage' } },
    });
    const incident = (await made.json()).id as string;
    for (let n = 1; n <= 9; n++)
      expect((await h.admin(`/incidents/${incident}/updates`, { body: { status: 'identified', body: `Note ${n}.` } })).status).toBe(201);
    await until(async () => (await channelOf(id)).state === 'paused', 'the channel paused after ten failures in a row');
    expect((await h.admin(`/channels/${id}/resume`, { method: 'POST' })).status).toBe(200);
    await until(async () => {
      const { delivery } = await channelOf(id);
      return delivery.failed === 11 && delivery.queued === 0;
    }, 'the eleventh refused too');
    expect(pickyLeft).toBe(0);

    const line = all(await page('/admin/channels'), (e) => e.attribs['data-channel'] === id)[0]!;
    const [failed] = all(line, (e) => e.name === 'details' && e.attribs.class?.includes('failed-posts') === true);
    expect(textOf(all(failed!, (e) => e.name === 'summary')[0]!)).toBe('The 11 messages Very picky partner did not get');
    // Newest first: the nine updates, then the declare; its component's change, made after it, is the one left.
    const named = all(failed!, (e) => e.name === 'li').map((li) => textOf(li).replace(/ \(\d.*$/, ''));
    expect(named).toEqual([...Array.from({ length: 9 }, () => 'Maps down: Identified'), 'Maps down: Declared']);
    expect(textOf(failed!)).toContain('And 1 older.');
    const { failed_messages } = await channelOf(id);
    expect(failed_messages.map((f: Json) => f.what)).toEqual([...Array.from({ length: 9 }, () => 'Identified'), 'Declared']);
    expect((await h.admin(`/channels/${id}`, { method: 'DELETE' })).status).toBe(204);
  });
});

describe("a channel's edit form saved from a page drawn before someone else changed the channel", () => {
  const editForm = (doc: Doc, id: string) => all(doc, (e) => e.name === 'form' && byId(e, `edit-${id}-name`) !== undefined)[0]!;

  it('writes only what was changed in it: the least impact set meanwhile stays; the same field changed by both is refused', async () => {
    const added = await h.admin('/channels', { body: { kind: 'slack', name: 'Ops room', url: `${base}/ops`, components: ['api'] } });
    expect(added.status).toBe(201);
    const { id } = (await added.json()) as Json;
    const drawn = await page('/admin/channels');
    expect((await h.admin(`/channels/${id}`, { method: 'PATCH', body: { min_impact: 'major' } })).status).toBe(200);
    const sent = submitted(editForm(drawn, id)).map(([k, v]): [string, string] => [k, k === 'name' ? 'Ops war room' : v]);
    const res = await postForm(sent.filter(([k]) => k !== 'csrf'));
    expect(res.status).toBe(200);
    // Before: min_impact back to null (every incident), as the old page showed it.
    expect(await channelOf(id)).toMatchObject({ name: 'Ops war room', min_impact: 'major', components: ['api'] });

    expect((await h.admin(`/channels/${id}`, { method: 'PATCH', body: { components: ['search'] } })).status).toBe(200);
    const refusedRes = await postForm(
      submitted(editForm(drawn, id))
        .filter(([k]) => k !== 'csrf' && k !== 'components')
        .concat([
          ['components', 'api'],
          ['components', 'search'],
        ] as Array<[string, string]>),
    );
    expect(refusedRes.status).toBe(412);
    const doc = dom(await refusedRes.text());
    expect(textOf(byId(doc, `edit-${id}-components-error`)!)).toContain(
      'Changed by someone else since this page was drawn: it now takes Search.',
    );
    expect((await channelOf(id)).components).toEqual(['search']);
    // Saved again from the refused page, the author's components are put, and nothing else of the drawn page is.
    expect((await h.admin(`/channels/${id}`, { method: 'PATCH', body: { name: 'Ops (B)' } })).status).toBe(200);
    const again = submitted(editForm(doc, id)).filter(([k]) => k !== 'csrf');
    expect((await postForm(again)).status).toBe(200);
    expect(await channelOf(id)).toMatchObject({ name: 'Ops (B)', components: ['api', 'search'], min_impact: 'major' });
    expect((await h.admin(`/channels/${id}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('a channel naming a deleted component (no box for it on the page) is renamed without a clash over its components', async () => {
    expect((await h.admin('/components', { body: { id: 'tmp', name: 'Temporary' } })).status).toBe(201);
    const added = await h.admin('/channels', { body: { kind: 'slack', name: 'Tmp room', url: `${base}/tmp`, components: ['api', 'tmp'] } });
    const { id } = (await added.json()) as Json;
    expect((await h.admin('/components/tmp', { method: 'DELETE' })).status).toBe(204);
    const drawn = await page('/admin/channels');
    expect((await h.admin(`/channels/${id}`, { method: 'PATCH', body: { components: ['api', 'search'] } })).status).toBe(200);
    const sent = submitted(editForm(drawn, id))
      .filter(([k]) => k !== 'csrf')
      .map(([k, v]): [string, string] => [k, k === 'name' ? 'Tmp war room' : v]);
    // Before: 412 "it now takes API, Search" on a field not touched (the page showed "api,tmp", its boxes only api).
    expect((await postForm(sent)).status).toBe(200);
    expect(await channelOf(id)).toMatchObject({ name: 'Tmp war room', components: ['api', 'search'] });
    expect((await h.admin(`/channels/${id}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('says a critical least impact as "Critical only" (nothing is worse): in the list, both forms and a refused edit', async () => {
    const added = await h.admin('/channels', { body: { kind: 'slack', name: 'Crit room', url: `${base}/crit`, min_impact: 'critical' } });
    const { id } = (await added.json()) as Json;
    const drawn = await page('/admin/channels');
    const [item] = all(drawn, (e) => e.attribs['data-channel'] === id);
    // Before: "All components · Critical and worse", and so each form's last choice.
    expect(textOf(item!)).toContain('All components · Critical only');
    const options = (select: string) => all(byId(drawn, select)!, (e) => e.name === 'option').map(textOf);
    const offered = ['Every incident', 'Minor and worse', 'Major and worse', 'Critical only'];
    expect([options('ch-impact'), options(`edit-${id}-impact`)]).toEqual([offered, offered]);
    // Drawn at major, set to critical meanwhile, and changed here too: refused, saying what it now takes.
    expect((await h.admin(`/channels/${id}`, { method: 'PATCH', body: { min_impact: 'major' } })).status).toBe(200);
    const atMajor = await page('/admin/channels');
    expect((await h.admin(`/channels/${id}`, { method: 'PATCH', body: { min_impact: 'critical' } })).status).toBe(200);
    const typed = submitted(editForm(atMajor, id))
      .filter(([k]) => k !== 'csrf')
      .map(([k, v]): [string, string] => [k, k === 'min_impact' ? 'minor' : v]);
    const refused = await postForm(typed);
    expect(refused.status).toBe(412);
    // Before: "it now takes critical incidents and worse."
    expect(textOf(byId(dom(await refused.text()), `edit-${id}-impact-error`)!)).toContain('it now takes critical incidents only.');
    expect((await h.admin(`/channels/${id}`, { method: 'DELETE' })).status).toBe(204);
  });
});
