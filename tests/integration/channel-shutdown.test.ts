import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type HeraldProcess, startHerald, stopAll, type Stoppable, tempDataDir } from '../helpers/server.ts';
import { until } from '../helpers/poll.ts';
import { startSmtp } from '../helpers/smtp.ts';
import { subscribe } from '../helpers/mail-flow.ts';
import { emptyDb } from '../../src/domain/model.ts';
import type { VerbContext } from '../../src/domain/context.ts';
import { createChannel } from '../../src/domain/channels/manage.ts';
import { scheduleMaintenance } from '../../src/domain/maintenance/schedule.ts';
import { declareIncident } from '../../src/domain/incidents/declare.ts';
import { postUpdate } from '../../src/domain/incidents/post-update.ts';
import { savePostmortem } from '../../src/domain/incidents/postmortem.ts';
import { renderMarkdown } from '../../src/render/markdown.ts';
import { writeChannelFile } from '../../src/store/channels/transfer.ts';
import { channelMessages, toDelivery } from '../../src/channels/plan.ts';

/*
 * A clean stop (SIGTERM, a rolling deploy) while a channel post is on its
 * way: Herald waits for the receiver's answer and records the post before it
 * exits, so the next start does not post it again.
 */
type Json = Record<string, any>;

const cleanup: Stoppable[] = [];
afterEach(async () => {
  await stopAll(...cleanup.splice(0).reverse());
});

/** A Slack and a Teams channel, posting to `<url>/slack` and `<url>/teams`: their ids. */
async function warRooms(h: HeraldProcess, url: string): Promise<string[]> {
  const ids: string[] = [];
  for (const kind of ['slack', 'teams']) {
    const added = await h.admin('/channels', { body: { kind, name: kind, url: `${url}/${kind}` } });
    expect(added.status).toBe(201);
    ids.push(((await added.json()) as Json).id as string);
  }
  return ids;
}

/** Each channel's queued, sent and failed counts and last error, as the admin API shows them. */
const deliveryCounts = (h: HeraldProcess, ids: string[]): Promise<Json[]> =>
  Promise.all(ids.map(async (ch) => ((await (await h.admin(`/channels/${ch}`)).json()) as Json).delivery));

/**
 * Waits for three posts to each war room (`on(path)`), recorded as sent, stops `first` and starts a Herald on
 * its data: that one, once it has read the outbox. (On PostgreSQL a restarted replica keeps, of what was sent,
 * only the deliveries at the planning mark: the newest update's, or a postmortem's.)
 */
async function restartAfterThreeEach(
  first: HeraldProcess,
  ids: string[],
  on: (path: string) => unknown[],
  env: Record<string, string>,
): Promise<HeraldProcess> {
  await until(() => on('/slack').length >= 3 && on('/teams').length >= 3, 'three posts to each', 15_000);
  await until(async () => (await deliveryCounts(first, ids)).every((d) => d.sent === 3), 'the posts recorded as sent');
  await first.stop();
  const second = await startHerald({ dataDir: first.dataDir, env });
  cleanup.push(second);
  await until(async () => (await deliveryCounts(second, ids)).every((d) => d.sent >= 1), 'the outbox read after the restart');
  return second;
}

describe('a clean stop during a channel post', () => {
  it('waits for the answer and records the post: the restart does not post it again', async () => {
    const arrivals: string[] = [];
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    let holding = true;
    const hooks: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const update = (JSON.parse(body) as Json).incident?.incident_updates?.[0]?.id;
        if (!update) return void res.writeHead(204).end();
        arrivals.push(update);
        if (holding) {
          holding = false;
          void held.then(() => res.writeHead(204).end());
          return;
        }
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => release(), hooks);
    const env = { SITE_URL: 'https://status.example.test', ALLOW_PRIVATE_WEBHOOKS: 'true', CHANNEL_TIMEOUT_MS: '15000' };
    const first: HeraldProcess = await startHerald({ env });
    cleanup.push(() => first.kill());
    const port = (hooks.address() as { port: number }).port;
    const added = await first.admin('/channels', { body: { kind: 'webhook', name: 'Partner', url: `http://127.0.0.1:${port}/hook` } });
    expect(added.status).toBe(201);
    const channel = ((await added.json()) as Json).id as string;
    const declared = await first.admin('/incidents', { body: { name: 'Checkout down', impact: 'major', body: 'Investigating.' } });
    expect(declared.status).toBe(201);
    const update = ((await declared.json()) as Json).incident_updates[0].id as string;
    await until(() => arrivals.includes(update), 'the post at the receiver (held there)');

    // SIGTERM while the receiver holds its answer; the answer comes once Herald says it waits for it (or,
    // if it does not wait, once it has exited).
    const stopping = first.stop();
    const exitedFirst = await Promise.race([
      stopping.then(() => true),
      until(() => first.output().includes('[channels] waiting for 1 post(s) under way'), 'the shutdown to wait for the post', 60_000).then(
        () => false,
      ),
    ]);
    release();
    await stopping;
    expect.soft(exitedFirst, 'Herald exited with a post under way').toBe(false);

    const second = await startHerald({ dataDir: first.dataDir, env });
    cleanup.push(second);
    const status = async () => ((await (await second.admin(`/channels/${channel}`)).json()) as Json).delivery;
    // Recorded before the stop: sent, and nothing queued to post again.
    await until(async () => (await status()).sent >= 1, 'the post counted as sent after the restart');
    expect(await status()).toMatchObject({ queued: 0, failed: 0 });
    expect(arrivals.filter((u) => u === update)).toHaveLength(1);
  }, 90_000);

  it('with a post and an email both unanswered, waits for the longer of the two, not their sum: a stop under the 10 s Docker gives', async () => {
    // A receiver and a relay that never answer: the stop waits its whole bound for each.
    const hooks: Server = createServer((req) => req.resume());
    await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
    const smtp = await startSmtp(() => null, { delayMs: 60_000 });
    cleanup.push(() => hooks.closeAllConnections(), hooks, smtp);
    // Email waits up to 5 s; a post, its CHANNEL_TIMEOUT_MS (3 s here; 5 s by default, when the sum passed 10 s).
    const env = { SITE_URL: 'https://status.example.test', ALLOW_PRIVATE_WEBHOOKS: 'true', SMTP_URL: smtp.url, CHANNEL_TIMEOUT_MS: '3000' };
    const h = await startHerald({ env });
    cleanup.push(() => h.kill());
    const port = (hooks.address() as { port: number }).port;
    expect((await h.admin('/channels', { body: { kind: 'webhook', name: 'Partner', url: `http://127.0.0.1:${port}/hook` } })).status).toBe(
      201,
    );
    // A confirmation on the wire (the relay has it and holds its answer), then a post.
    expect((await subscribe(h, { email: 'kim@example.com' })).status).toBe(202);
    await until(() => smtp.attempts.length > 0, 'the email under way');
    let posted = false;
    hooks.on('request', () => (posted = true));
    expect((await h.admin('/incidents', { body: { name: 'Checkout down', impact: 'major', body: 'Investigating.' } })).status).toBe(201);
    await until(() => posted, 'the post under way');

    const from = Date.now();
    await h.stop();
    const took = Date.now() - from;
    expect(h.output()).toContain('[channels] waiting for 1 post(s) under way');
    // Before: one after the other, 8 s. Now the email's 5 s, the post's 3 s within it.
    expect(took, h.output()).toBeGreaterThanOrEqual(4_500);
    expect(took, h.output()).toBeLessThan(7_000);
  }, 60_000);

  it('posts each step of a window to Slack and Teams once: a restart after them posts none again', async () => {
    const arrivals: Array<{ path: string; body: string }> = [];
    const hooks: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        arrivals.push({ path: req.url!, body });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
    cleanup.push(hooks);
    const env = { SITE_URL: 'https://status.example.test', ALLOW_PRIVATE_WEBHOOKS: 'true' };
    const first: HeraldProcess = await startHerald({ env });
    cleanup.push(() => first.kill());
    const url = `http://127.0.0.1:${(hooks.address() as { port: number }).port}`;
    const ids = await warRooms(first, url);
    const scheduled = await first.admin('/maintenances', {
      body: {
        name: 'DB upgrade',
        scheduled_for: new Date(Date.now() + 3_600_000).toISOString(),
        scheduled_until: new Date(Date.now() + 7_200_000).toISOString(),
      },
    });
    expect(scheduled.status).toBe(201);
    const id = ((await scheduled.json()) as Json).id as string;
    for (const step of ['start', 'complete'])
      expect((await first.admin(`/maintenances/${id}/${step}`, { method: 'POST' })).status).toBe(201);
    const on = (path: string) => arrivals.filter((a) => a.path === path);
    // Before: Slack and Teams got nothing of a window.
    const second = await restartAfterThreeEach(first, ids, on, env);
    const counts = (h: HeraldProcess) => deliveryCounts(h, ids);
    // A change makes the planner look again at the newest update (the completion): it is in the outbox already.
    expect((await second.admin('/components', { body: { name: 'Cache' } })).status).toBe(201);
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await counts(second)).map((d) => [d.queued, d.failed, d.last_error])).toEqual([
      [0, 0, null],
      [0, 0, null],
    ]);
    expect(arrivals).toHaveLength(6);
    for (const path of ['/slack', '/teams']) expect(new Set(on(path).map((a) => a.body)).size).toBe(3);
  }, 90_000);
});

describe('a deploy of the version that posts windows to Slack and Teams', () => {
  it('posts no window update planned before it (the newest one, which the planner looks at again), and the next step', async () => {
    const arrivals: Json[] = [];
    const hooks: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        arrivals.push(JSON.parse(body) as Json);
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
    // What the Herald before it left: a war room, a window scheduled, and the planning mark at that update
    // (planned then, when Slack was owed no window).
    const dataDir = tempDataDir('herald-window-deploy-');
    const db = emptyDb('page0deploy', new Date().toISOString());
    const ctx = (): VerbContext => ({ db, now: new Date(), actor: 'fixture', markdown: renderMarkdown });
    const url = `http://127.0.0.1:${(hooks.address() as { port: number }).port}`;
    createChannel(ctx(), { kind: 'slack', name: 'War room', url: `${url}/slack` });
    const m = scheduleMaintenance(ctx(), {
      name: 'DB upgrade',
      scheduled_for: new Date(Date.now() + 3_600_000).toISOString(),
      scheduled_until: new Date(Date.now() + 7_200_000).toISOString(),
      components: [],
    });
    writeFileSync(join(dataDir, 'herald.json'), JSON.stringify(db));
    await writeChannelFile(dataDir, { since: m.updates[0]!.created_at, deliveries: [] });
    const h = await startHerald({ dataDir, env: { SITE_URL: 'https://status.example.test', ALLOW_PRIVATE_WEBHOOKS: 'true' } });
    cleanup.push(dataDir, hooks, h);
    // A change makes the planner look again at the newest update.
    expect((await h.admin('/components', { body: { name: 'Cache' } })).status).toBe(201);
    await new Promise((r) => setTimeout(r, 1_000));
    // Before: "Scheduled maintenance", posted late.
    expect(arrivals.map((a) => a.text)).toEqual([]);
    expect((await h.admin(`/maintenances/${m.id}/start`, { method: 'POST' })).status).toBe(201);
    await until(() => arrivals.length >= 1, 'the start in Slack', 10_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(arrivals.map((a) => a.text)).toEqual(['🔧 Maintenance started: DB upgrade (In progress)']);
  }, 60_000);
});

describe('postmortem messages across restarts and deploys', () => {
  /** A receiver on loopback that keeps each post's path and JSON. */
  async function hooksFor(): Promise<{ url: string; arrivals: Array<{ path: string; json: Json }> }> {
    const arrivals: Array<{ path: string; json: Json }> = [];
    const hooks: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        arrivals.push({ path: req.url!, json: JSON.parse(body) as Json });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
    cleanup.push(hooks);
    return { url: `http://127.0.0.1:${(hooks.address() as { port: number }).port}`, arrivals };
  }
  const env = { SITE_URL: 'https://status.example.test', ALLOW_PRIVATE_WEBHOOKS: 'true' };
  const titleOf = (a: { json: Json }) => (a.json.text ?? a.json.attachments[0].content.body[0].text) as string;

  it('posts a published postmortem to Slack and Teams once: a restart after it posts nothing again', async () => {
    const { url, arrivals } = await hooksFor();
    const first: HeraldProcess = await startHerald({ env });
    cleanup.push(() => first.kill());
    const ids = await warRooms(first, url);
    const declared = await first.admin('/incidents', { body: { name: 'API down', impact: 'critical', body: 'Looking.', components: {} } });
    expect(declared.status).toBe(201);
    const id = ((await declared.json()) as Json).id as string;
    expect((await first.admin(`/incidents/${id}/updates`, { body: { status: 'resolved', body: 'Fixed.' } })).status).toBe(201);
    const review = { body: '## Summary\nA bad deploy.', publish: true };
    expect((await first.admin(`/incidents/${id}/postmortem`, { method: 'PUT', body: review })).status).toBe(200);
    const on = (path: string) => arrivals.filter((a) => a.path === path);
    // Before: two posts each, no review.
    const second = await restartAfterThreeEach(first, ids, on, env);
    const counts = (h: HeraldProcess) => deliveryCounts(h, ids);
    // The planner looks again at the review (at the mark), edited and published again: it is in the outbox already.
    const edited = { body: '## Summary\nA bad deploy, rolled back.', publish: true };
    expect((await second.admin(`/incidents/${id}/postmortem`, { method: 'PUT', body: edited })).status).toBe(200);
    expect((await second.admin('/components', { body: { name: 'Cache' } })).status).toBe(201);
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await counts(second)).map((d) => [d.queued, d.failed, d.last_error])).toEqual([
      [0, 0, null],
      [0, 0, null],
    ]);
    expect(arrivals).toHaveLength(6);
    for (const path of ['/slack', '/teams'])
      expect(on(path).map((a) => titleOf(a).split(' · ')[0])).toEqual([
        '🚨 Incident declared',
        '✅ Incident resolved',
        '📝 Post-incident review published',
      ]);
  }, 90_000);

  /**
   * A data folder as a Herald left it: a war room, an incident declared and resolved (planned then), and its
   * postmortem published after the last update. `postmortemsFrom`: the outbox's mark of a Herald that plans
   * postmortems (it stopped before it planned this one), or none (one from before they were posted).
   */
  async function leftBehind(url: string, postmortemsFrom: 'before' | 'none') {
    const dataDir = tempDataDir('herald-postmortem-deploy-');
    cleanup.push(dataDir);
    const db = emptyDb('page0postmortem', new Date(Date.now() - 3_600_000).toISOString());
    const ctx = (minutesAgo: number): VerbContext => ({
      db,
      now: new Date(Date.now() - minutesAgo * 60_000),
      actor: 'fixture',
      markdown: renderMarkdown,
    });
    createChannel(ctx(50), { kind: 'slack', name: 'War room', url: `${url}/slack` });
    const inc = declareIncident(ctx(40), {
      name: 'API down',
      impact: 'critical',
      status: 'investigating',
      body: 'Looking.',
      components: {},
    });
    postUpdate(ctx(30), inc.id, { status: 'resolved', body: 'Fixed.' });
    // The incident's messages, planned and sent then, before its postmortem was published.
    const sent = channelMessages(db, '').map((m) => ({
      ...toDelivery(m, m.update.created_at),
      state: 'sent' as const,
      sent_at: m.update.created_at,
    }));
    expect(sent.map((d) => d.kind)).toEqual(['declared', 'resolved']);
    savePostmortem(ctx(10), inc.id, { body: '## Summary\nA bad deploy.', publish: true });
    writeFileSync(join(dataDir, 'herald.json'), JSON.stringify(db));
    const since = inc.updates.at(-1)!.created_at;
    const from = postmortemsFrom === 'before' ? { postmortems_from: new Date(Date.now() - 60 * 60_000).toISOString() } : {};
    await writeChannelFile(dataDir, { since, ...from, deliveries: sent });
    return { dataDir, inc };
  }

  it('a deploy posts no postmortem published before it (the old Herald owed war rooms none), and the next one', async () => {
    const { url, arrivals } = await hooksFor();
    const { dataDir } = await leftBehind(url, 'none');
    const h = await startHerald({ dataDir, env });
    cleanup.push(h);
    // A change makes the planner look again.
    expect((await h.admin('/components', { body: { name: 'Cache' } })).status).toBe(201);
    await new Promise((r) => setTimeout(r, 1_000));
    // Before: "Post-incident review published", posted late for a review the war room distributed long ago.
    expect(arrivals.map(titleOf)).toEqual([]);
    // One published after the deploy is posted.
    const declared = await h.admin('/incidents', { body: { name: 'DB slow', impact: 'critical', body: 'Looking.', components: {} } });
    const id = ((await declared.json()) as Json).id as string;
    expect((await h.admin(`/incidents/${id}/updates`, { body: { status: 'resolved', body: 'Fixed.' } })).status).toBe(201);
    const review = { body: '## Summary\nA slow query.', publish: true };
    expect((await h.admin(`/incidents/${id}/postmortem`, { method: 'PUT', body: review })).status).toBe(200);
    await until(() => arrivals.length >= 3, 'the new incident and its review', 10_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(arrivals.map(titleOf)).toEqual([
      '🚨 Incident declared · SEV-1: DB slow (Investigating)',
      '✅ Incident resolved · SEV-1: DB slow (Resolved)',
      '📝 Post-incident review published · SEV-1: DB slow (Postmortem)',
    ]);
  }, 60_000);

  it('a Herald stopped before it planned a just-published postmortem posts it after the restart', async () => {
    const { url, arrivals } = await hooksFor();
    const { dataDir } = await leftBehind(url, 'before');
    const h = await startHerald({ dataDir, env });
    cleanup.push(h);
    await until(() => arrivals.length >= 1, 'the review in Slack', 10_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(arrivals.map(titleOf)).toEqual(['📝 Post-incident review published · SEV-1: API down (Postmortem)']);
  }, 60_000);
});
