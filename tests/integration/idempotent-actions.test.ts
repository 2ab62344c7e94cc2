import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startHerald, stopAll, tempDataDir, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE, outboxSettled } from '../helpers/mail-flow.ts';
import { seedSubscribers } from '../fixtures/subscribers.ts';

/**
 * The action routes (deletes, channel pause/resume/test, the outbox's retry and resume) honour
 * Idempotency-Key as the other writes do: a retry with the same key and request gets the first answer
 * again, and changes (or sends) nothing more.
 */
let h: HeraldProcess;
let smtp: TestSmtp;
let hook: Server;
let hookUrl = '';
let hookHits = 0;

beforeAll(async () => {
  hook = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      hookHits++;
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((ok) => hook.listen(0, '127.0.0.1', () => ok()));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  // One subscriber whose mail is refused for good (a policy refusal: an unknown mailbox would suppress the address,
  // and a suppressed address's delivery is not retried): a failed delivery to retry.
  smtp = await startSmtp(({ to }) => (to.includes('gone@example.com') ? { code: 554, text: '5.7.1 Message refused' } : null));
  const dataDir = tempDataDir();
  seedSubscribers(dataDir, [{ email: 'gone@example.com' }]);
  h = await startHerald({ dataDir, env: { SMTP_URL: smtp.url, SITE_URL: SITE, ALLOW_PRIVATE_WEBHOOKS: 'true' } });
});
afterAll(async () => {
  await stopAll(h, smtp);
  hook.closeAllConnections();
  hook.close();
});

const keyed = (path: string, key: string, method = 'POST') => h.admin(path, { method, headers: { 'idempotency-key': key } });
const answerOf = async (res: Response) => ({ status: res.status, body: await res.text() });
let n = 0;
const addChannel = async () => {
  // A URL of its own each: a second webhook on one URL is refused.
  const i = ++n;
  const res = await h.admin('/channels', { body: { kind: 'webhook', name: `Hook ${i}`, url: `${hookUrl}/${i}` } });
  expect(res.status).toBe(201);
  return (await res.json()).id as string;
};

describe('Idempotency-Key on deletes and actions', () => {
  it('DELETE /components/:id?force=true retried with the same key answers 204 again, not 404', async () => {
    expect((await h.admin('/components', { body: { id: 'website', name: 'Website' } })).status).toBe(201);
    const first = await keyed('/components/website?force=true', 'k-del-1', 'DELETE');
    expect(first.status).toBe(204);
    const retry = await keyed('/components/website?force=true', 'k-del-1', 'DELETE');
    expect(await answerOf(retry)).toEqual({ status: 204, body: '' });
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    // Without the key the same request is a new one: the component is gone.
    expect((await h.admin('/components/website?force=true', { method: 'DELETE' })).status).toBe(404);
  });

  it('DELETE /channels/:id retried with the same key answers 204 again', async () => {
    const id = await addChannel();
    expect((await keyed(`/channels/${id}`, 'k-del-ch', 'DELETE')).status).toBe(204);
    const retry = await keyed(`/channels/${id}`, 'k-del-ch', 'DELETE');
    expect(await answerOf(retry)).toEqual({ status: 204, body: '' });
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
  });

  it('a pause retried after a later resume replays its answer and does not pause again (and the other way round)', async () => {
    const id = await addChannel();
    const paused = await answerOf(await keyed(`/channels/${id}/pause`, 'k-pause'));
    expect(paused.status).toBe(200);
    expect(JSON.parse(paused.body).state).toBe('paused');
    const resumed = await answerOf(await keyed(`/channels/${id}/resume`, 'k-resume'));
    expect(JSON.parse(resumed.body).state).toBe('active');
    // The pause's retry arrives late: the first answer again, and the channel stays active.
    expect(await answerOf(await keyed(`/channels/${id}/pause`, 'k-pause'))).toEqual(paused);
    expect((await (await h.admin(`/channels/${id}`)).json()).state).toBe('active');
    await keyed(`/channels/${id}/pause`, 'k-pause-2');
    expect(await answerOf(await keyed(`/channels/${id}/resume`, 'k-resume'))).toEqual(resumed);
    expect((await (await h.admin(`/channels/${id}`)).json()).state).toBe('paused');
  });

  it('a channel test retried, or double-clicked, with one key posts one message', async () => {
    const id = await addChannel();
    const before = hookHits;
    const first = await answerOf(await keyed(`/channels/${id}/test`, 'k-test-1'));
    expect(first.status).toBe(200);
    const retry = await keyed(`/channels/${id}/test`, 'k-test-1');
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await answerOf(retry)).toEqual(first);
    expect(hookHits - before).toBe(1);
    const twins = await Promise.all([1, 2, 3].map(() => keyed(`/channels/${id}/test`, 'k-test-2').then(answerOf)));
    expect(twins.map((t) => t.status)).toEqual([200, 200, 200]);
    expect(hookHits - before).toBe(2);
    // The same key on another channel is another request: refused, nothing sent.
    const other = await addChannel();
    expect((await keyed(`/channels/${other}/test`, 'k-test-1')).status).toBe(409);
    expect(hookHits - before).toBe(2);
  });

  it('the outbox: a delivery retry and a resume retried with the same key replay the first answer', async () => {
    await h.admin('/incidents', { body: { name: 'Outage', impact: 'major', status: 'investigating', body: 'Down.', components: {} } });
    const out = await outboxSettled(h, 1);
    const failed = (out.failed[0] as { id: string }).id;
    const first = await answerOf(await keyed(`/deliveries/${failed}/retry`, 'k-retry'));
    expect(first.status).toBe(200);
    const retry = await keyed(`/deliveries/${failed}/retry`, 'k-retry');
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await answerOf(retry)).toEqual(first);
    const resumed = await answerOf(await keyed('/deliveries/resume', 'k-resume-mail'));
    expect(resumed.status).toBe(200);
    const again = await keyed('/deliveries/resume', 'k-resume-mail');
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await answerOf(again)).toEqual(resumed);
  });
});
