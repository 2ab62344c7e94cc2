import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { type HeraldProcess, type Stoppable, startHerald, stopAll } from '../helpers/server.ts';
import { type PgCluster, refuseFirst, startPgCluster } from '../helpers/pg.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { local, SITE, subscribe, to, until } from '../helpers/mail-flow.ts';

/**
 * The shared outbox: real Herald processes on one real PostgreSQL 15
 * database and a real SMTP server. Subscribers live in the database, so a
 * link one replica mailed opens on another; one fan-out is sent by every
 * replica; a replica killed while sending leaves what it claimed to the
 * others once the lease ends (same Message-IDs); subscribe limits count
 * across replicas.
 */
type Json = Record<string, any>;

let cluster: PgCluster;
const running: Stoppable[] = [];

beforeAll(async () => {
  cluster = await startPgCluster();
}, 60_000);
// Each test's replicas and SMTP servers are stopped when it ends: left running to the file's end, the
// replicas of the tests before (19 in all, each polling its outbox every 250 ms) loaded the machine under
// the lease tests after them. Replicas first: an SMTP server closes only once its clients (their pooled
// connections) are gone.
afterEach(() => stopAll(...running.splice(0).reverse()));
afterAll(async () => {
  await cluster?.destroy();
});

async function replica(url: string, env: Record<string, string> = {}): Promise<HeraldProcess> {
  const h = await startHerald({ env: { DATABASE_URL: url, SITE_URL: SITE, SUBSCRIBE_LIMIT_PER_IP: '1000', ...env } });
  running.push(h);
  return h;
}

async function smtpSink(): Promise<TestSmtp> {
  const smtp = await startSmtp();
  running.push(smtp);
  return smtp;
}

/** `n` confirmed subscribers of everything, written straight into the table (the volume, not the journey, is tested here). */
async function bulkSubscribers(url: string, n: number): Promise<void> {
  await cluster.sql(
    `INSERT INTO mail_subscribers (id, email, email_key, state, components, confirms, requested_at, created_at, updated_at, confirmed_at)
     SELECT 'bulk' || g, 'reader' || g || '@example.test', 'reader' || g || '@example.test', 'confirmed', '{}', 1, now(), now(), now(), now()
     FROM generate_series(1, ${n}) g`,
    url,
  );
}

const declare = async (h: HeraldProcess, name: string): Promise<Json> => {
  const res = await h.admin('/incidents', { body: { name, impact: 'major', body: `${name}: we are investigating.`, notify: true } });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Json;
};

const rows = async (url: string, sql: string): Promise<string[][]> =>
  (await cluster.sql(sql, url))
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('|'));

/**
 * After a pause: sends already begun on the replicas' other SMTP connections when the refusal came still end
 * (each with its own answer), so the server's attempts go on a little. A replica clears a claim's lease once it
 * has its outcome (or gives it back unsent), and the server counts an attempt before it answers, so once no
 * delivery is leased every attempt is counted: returns that count, the baseline for "no more sends".
 */
async function sendsUnderWayEnded(url: string, smtp: TestSmtp): Promise<number> {
  await until(
    async () => (await rows(url, 'SELECT count(*) FROM mail_deliveries WHERE lease_owner IS NOT NULL'))[0]?.[0] === '0',
    () => `the sends under way to end (${smtp.attempts.length} attempts so far)`,
    20_000,
  );
  return smtp.attempts.length;
}

/**
 * Waits until all `n` deliveries are recorded sent, then `graceMs` more for a duplicate on its way, if one
 * were: each of the `n` recipients got exactly one message.
 */
async function sentOnceEach(url: string, smtp: TestSmtp, n: number, graceMs: number): Promise<void> {
  await until(
    async () => (await rows(url, `SELECT count(*) FROM mail_deliveries WHERE state = 'sent'`))[0]![0] === String(n),
    () => `all ${n} recorded sent (${smtp.received.length} received so far)`,
  );
  await new Promise((r) => setTimeout(r, graceMs));
  expect(smtp.received).toHaveLength(n);
  expect(new Set(smtp.received.map((r) => r.to[0])).size).toBe(n);
}

describe('subscribers and the outbox on PostgreSQL, shared by replicas', () => {
  it('a subscriber made on A confirms and unsubscribes on B; the subscribe limit counts across both', async () => {
    const url = await cluster.database();
    const smtp = await smtpSink();
    const [a, b] = await Promise.all([
      replica(url, { SMTP_URL: smtp.url, SUBSCRIBE_LIMIT_PER_IP: '3' }),
      replica(url, { SMTP_URL: smtp.url, SUBSCRIBE_LIMIT_PER_IP: '3' }),
    ]);

    expect((await subscribe(a, { email: 'ann@example.test' })).status).toBe(202);
    await until(() => to(smtp, 'ann@example.test').length === 1, "Ann's confirmation");
    const mail = await smtp.parse(to(smtp, 'ann@example.test')[0]!);
    const link = /https?:\/\/\S+\/subscribe\/confirm\/[A-Za-z0-9._-]+/.exec(mail.text ?? '')![0];
    // The link A mailed, opened and confirmed on B.
    expect(await (await fetch(local(b, link))).text()).toContain('Confirm subscription');
    const confirmed = await fetch(local(b, link), {
      method: 'POST',
      headers: { origin: b.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(await confirmed.text()).toContain('You are subscribed');
    const listed = (await (await a.admin('/subscribers')).json()) as Json;
    expect(listed.subscribers).toEqual([expect.objectContaining({ email: 'ann@example.test', state: 'confirmed' })]);

    // Three requests from one address are allowed in the window, wherever they land; the fourth is not.
    expect((await subscribe(b, { email: 'bo@example.test' })).status).toBe(202);
    expect((await subscribe(a, { email: 'cy@example.test' })).status).toBe(202);
    const fourth = await subscribe(b, { email: 'di@example.test' });
    expect(fourth.status).toBe(429);
    expect(Number(fourth.headers.get('retry-after'))).toBeGreaterThan(0);

    // The unsubscribe link in a notice works on either replica.
    await declare(a, 'Search is slow');
    await until(() => to(smtp, 'ann@example.test').length === 2, "Ann's disruption notice");
    const notice = await smtp.parse(to(smtp, 'ann@example.test')[1]!);
    const unsubscribe = /https?:\/\/\S+\/unsubscribe\/[A-Za-z0-9._-]+/.exec(notice.text ?? '')![0];
    const one = await fetch(local(b, unsubscribe), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(one.status).toBe(200);
    const after = (await (await a.admin('/subscribers?q=ann')).json()) as Json;
    expect(after.subscribers[0].state).toBe('unsubscribed');
  });

  it('one fan-out is sent by all three replicas: every subscriber gets one message, with the Message-ID of its delivery', async () => {
    const url = await cluster.database();
    const smtp = await smtpSink();
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => replica(url, { SMTP_URL: smtp.url })));
    await bulkSubscribers(url, 3000);
    // Declared on one, fanned out by the leader (whichever it is), sent by all three.
    const inc = await declare(b!, 'Checkout errors');
    const update = inc.incident_updates[0].id as string;
    // About 13 s with two busy loops on the two cores. On a loaded machine a replica used to claim deliveries
    // before its copy of the document held the new incident, and marked them failed ("incident or update no
    // longer exists": 512 of 3,000 in one loaded run); it now reads the document again first. A claim a replica
    // cannot finish is sent by another once its lease ends (60 s), and a failed send is retried after 30-60 s:
    // waiting that long still checks that each arrives once.
    await until(
      () => smtp.received.length >= 3000,
      () => `3,000 notices (${smtp.received.length} so far)`,
      180_000,
    ).catch(async (err: Error) => {
      // What a failure needs to be understood: where the rest is (queued and leased, waiting for a retry, or
      // failed, and why), and what each replica said.
      const where = await cluster.sql(
        `SELECT state, lease_owner, lease_until > now() AS leased, coalesce(next_at, 0) > extract(epoch FROM now()) * 1000 AS later,
                attempts, left(last_error, 120), count(*) FROM mail_deliveries WHERE state <> 'sent' GROUP BY 1, 2, 3, 4, 5, 6`,
        url,
      );
      const said = [a!, b!, c!].map((h) => `--- replica ${h.proc.pid}:\n${h.output().slice(-3000)}`).join('\n');
      throw new Error(`${err.message}\nnot sent (state|lease owner|leased|later|attempts|last error|count):\n${where}\n${said}`);
    });
    await until(
      async () => (await rows(url, `SELECT count(*) FROM mail_deliveries WHERE state <> 'sent'`))[0]![0] === '0',
      'every delivery recorded',
    );

    const recipients = smtp.received.map((r) => r.to[0]!);
    expect(new Set(recipients).size).toBe(3000);
    expect(smtp.received).toHaveLength(3000);
    const host = new URL(SITE).hostname;
    for (const r of smtp.received.slice(0, 50)) {
      const n = /^reader(\d+)@/.exec(r.to[0]!)![1];
      expect(r.messageId).toBe(`<bulk${n}.${update}@${host}>`);
    }
    const bySender = await rows(
      url,
      `SELECT sent_by, count(*) FROM mail_deliveries WHERE intent = '${update}' GROUP BY sent_by ORDER BY sent_by`,
    );
    expect(bySender).toHaveLength(3);
    const pids = bySender.map(([who]) => Number(who!.split(':').at(-1)));
    expect(pids.sort()).toEqual([a!.proc.pid, b!.proc.pid, c!.proc.pid].sort());
    for (const [, n] of bySender) expect(Number(n)).toBeGreaterThan(0);
    // What the Comms Lead reads is the same on each.
    const counts = async (h: HeraldProcess) => ((await (await h.admin('/deliveries')).json()) as Json).updates[0];
    for (const h of [a!, b!, c!])
      expect(await counts(h)).toMatchObject({ intent: update, sent: 3000, queued: 0, failed: 0, fanout_done: true });
  }, 240_000);

  it('a relay slower than the lease: the sender keeps its claims, so no other replica sends them again', async () => {
    const url = await cluster.database();
    // Each message takes 2.4 s to be accepted, longer than a lease (2 s), over 5 connections per replica: a
    // claim outlives its lease while its own message is sent, and those waiting behind it longer still, so
    // only their renewal keeps the claims. (With 1 s leases, renewed every 333 ms, a test run beside heavy
    // work once lost one: its event loop stalled for longer than the lease.)
    const smtp = await startSmtp(() => null, { delayMs: 2400 });
    running.push(smtp);
    const env = { SMTP_URL: smtp.url, MAIL_LEASE_SECONDS: '2' };
    const [a] = await Promise.all([replica(url, env), replica(url, env)]);
    await bulkSubscribers(url, 15);
    await declare(a, 'Slow relay drill');
    // A message sent twice after a lost lease is accepted a relay's delay later: wait out a lease and a delay.
    await sentOnceEach(url, smtp, 15, 5000);
  }, 60_000); // two replicas, a slow relay and the wait: 12 s alone here, more on a loaded machine

  it('outcomes PostgreSQL refused to record are recorded on a later try, not sent again once their lease ends', async () => {
    const url = await cluster.database();
    const smtp = await smtpSink();
    // Leases of 2 s: a sent delivery whose outcome was dropped would be claimed and sent again 2 s later.
    const a = await replica(url, { SMTP_URL: smtp.url, MAIL_LEASE_SECONDS: '2' });
    // The first three statements that record a send fail, as a restart or a failover would make them fail.
    const refusals = await refuseFirst(cluster, url, {
      name: 'refuse_settle',
      table: 'mail_deliveries',
      on: 'UPDATE',
      when: `OLD.state = 'queued' AND NEW.state = 'sent'`,
      times: 3,
    });
    await bulkSubscribers(url, 200);
    await declare(a, 'Database hiccup drill');
    // Two leases and more after: time for a dropped outcome's delivery to be taken again, if one were.
    await sentOnceEach(url, smtp, 200, 5000);
    expect(await refusals.met()).toBeGreaterThan(3);
  });

  it('a confirmation whose delivery PostgreSQL refused to make at first is made on a later try, not left until a restart', async () => {
    const url = await cluster.database();
    const smtp = await smtpSink();
    const a = await replica(url, { SMTP_URL: smtp.url });
    // The first two attempts to queue a confirmation fail, after the subscriber's row was saved and answered.
    const refusals = await refuseFirst(cluster, url, {
      name: 'refuse_confirm',
      table: 'mail_deliveries',
      on: 'INSERT',
      when: `NEW.kind = 'confirm'`,
      times: 2,
    });
    expect((await subscribe(a, { email: 'kim@example.com' })).status).toBe(202);
    await until(() => to(smtp, 'kim@example.com').length > 0, 'the confirmation email', 15_000);
    expect(await refusals.met()).toBeGreaterThan(2);
    expect(to(smtp, 'kim@example.com')).toHaveLength(1);
  });

  it('the start-up repair of lost confirmations is tried again when PostgreSQL refused it at first', async () => {
    const url = await cluster.database();
    const smtp = await smtpSink();
    // A replica made the tables and is gone; a subscriber's row was saved, its confirmation's delivery never made.
    await (await replica(url, { SMTP_URL: smtp.url })).stop();
    await cluster.sql(
      `INSERT INTO mail_subscribers (id, email, email_key, state, components, confirms, requested_at, created_at, updated_at)
       VALUES ('lost1', 'lee@example.com', 'lee@example.com', 'pending', '{}', 1, now(), now(), now())`,
      url,
    );
    await refuseFirst(cluster, url, {
      name: 'refuse_repair',
      table: 'mail_deliveries',
      on: 'INSERT',
      when: `NEW.kind = 'confirm'`,
      times: 1,
    });
    const b = await replica(url, { SMTP_URL: smtp.url });
    await until(() => to(smtp, 'lee@example.com').length > 0, 'the repaired confirmation email', 15_000);
    expect(b.output()).toContain('not started yet');
    expect(to(smtp, 'lee@example.com')).toHaveLength(1);
  });

  it('renewals PostgreSQL refused are tried again at once, so no other replica takes the claims and sends them twice', async () => {
    const url = await cluster.database();
    // 30 messages over 5 connections at 1.2 s each: A claims them all and sends for about 7 s, on leases of 3 s.
    const smtp = await startSmtp(() => null, { delayMs: 1200 });
    running.push(smtp);
    const env = { SMTP_URL: smtp.url, MAIL_LEASE_SECONDS: '3' };
    const [a] = await Promise.all([replica(url, env), replica(url, env)]);
    // The first three statements that renew a lease fail: before, the renewals 1 s, 2 s and 3 s after the claim.
    const refusals = await refuseFirst(cluster, url, {
      name: 'refuse_renewal',
      table: 'mail_deliveries',
      on: 'UPDATE',
      when: `OLD.state = 'queued' AND NEW.state = 'queued' AND NEW.lease_owner = OLD.lease_owner AND NEW.lease_until > OLD.lease_until`,
      times: 3,
    });
    await bulkSubscribers(url, 30);
    await declare(a, 'Renewal drill');
    await sentOnceEach(url, smtp, 30, 2000);
    expect(await refusals.met()).toBeGreaterThan(3);
  }, 60_000);

  it('a mail setup error pauses sending on every replica, and a resume on either sends again', async () => {
    const url = await cluster.database();
    let refuse = true;
    const smtp = await startSmtp(() => (refuse ? { code: 535, text: '5.7.8 Authentication credentials invalid' } : null));
    running.push(smtp);
    const [a, b] = await Promise.all([replica(url, { SMTP_URL: smtp.url }), replica(url, { SMTP_URL: smtp.url })]);
    await bulkSubscribers(url, 50);
    await declare(a, 'Mail setup drill');
    const state = async (h: HeraldProcess) => (await (await h.admin('/deliveries')).json()) as Json;
    // Whichever replica met the refusal, both say so, and neither sends.
    await until(async () => (await state(a)).paused && (await state(b)).paused, 'both replicas to say sending is paused');
    expect((await state(b)).paused_reason).toContain('535');
    const tried = await sendsUnderWayEnded(url, smtp);
    await new Promise((r) => setTimeout(r, 600));
    expect(smtp.attempts.length).toBe(tried);
    refuse = false;
    expect(((await (await b.admin('/deliveries/resume', { method: 'POST' })).json()) as Json).paused).toBe(false);
    await until(
      () => smtp.received.length >= 50,
      () => `50 notices after the resume (${smtp.received.length} so far)`,
    );
    await until(async () => !(await state(a)).paused, 'A to see the resume');
    expect(new Set(smtp.received.map((r) => r.to[0])).size).toBe(50);
  });

  it('a resume PostgreSQL refused to save answers 503 and the pause stands; tried again, it resumes', async () => {
    const url = await cluster.database();
    let refuse = true;
    const smtp = await startSmtp(() => (refuse ? { code: 535, text: '5.7.8 Authentication credentials invalid' } : null));
    running.push(smtp);
    const a = await replica(url, { SMTP_URL: smtp.url });
    await bulkSubscribers(url, 20);
    await declare(a, 'Resume drill');
    const state = async () => (await (await a.admin('/deliveries')).json()) as Json;
    await until(async () => (await state()).paused, 'sending to pause');
    // Sends begun before the pause end while the server still refuses them: one that ended after `refuse = false`
    // would be taken, and "nothing sent while the pause stands" below would count it.
    await sendsUnderWayEnded(url, smtp);
    refuse = false;
    // The first statement that clears the pause fails, as a failover would make it fail.
    await refuseFirst(cluster, url, {
      name: 'refuse_resume',
      table: 'mail_outbox',
      on: 'UPDATE',
      when: 'NEW.paused_reason IS NULL',
      times: 1,
    });
    const refused = await a.admin('/deliveries/resume', { method: 'POST' });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as Json).error.code).toBe('storage_unavailable');
    // Not told "resumed" while the shared pause stands: the console and the next poll say paused.
    await new Promise((r) => setTimeout(r, 600));
    expect((await state()).paused).toBe(true);
    expect(smtp.received).toHaveLength(0);
    const again = await a.admin('/deliveries/resume', { method: 'POST' });
    expect(((await again.json()) as Json).paused).toBe(false);
    await until(
      () => smtp.received.length >= 20,
      () => `20 notices after the resume (${smtp.received.length} so far)`,
    );
  });

  it("a resume right after another replica's pause, before this one polled it, clears the shared pause", async () => {
    const url = await cluster.database();
    const a = await replica(url);
    // Another replica's pause, as it writes it; this one's next poll is up to 250 ms away, so most rounds resume
    // before it: the answer must be true of the shared row, whichever came first.
    for (let round = 1; round <= 5; round++) {
      await cluster.sql("UPDATE mail_outbox SET paused_reason = 'auth: 535 5.7.8', paused_at = now()", url);
      const resumed = await a.admin('/deliveries/resume', { method: 'POST' });
      expect(((await resumed.json()) as Json).paused).toBe(false);
      expect(await rows(url, "SELECT coalesce(paused_reason, 'none') FROM mail_outbox"), `round ${round}`).toEqual([['none']]);
    }
  });

  it('a pause still being written stands: a poll that read the row before it does not undo it', async () => {
    const url = await cluster.database();
    const smtp = await startSmtp(() => ({ code: 535, text: '5.7.8 Authentication credentials invalid' }));
    running.push(smtp);
    const a = await replica(url, { SMTP_URL: smtp.url });
    await bulkSubscribers(url, 200);
    const state = async () => (await (await a.admin('/deliveries')).json()) as Json;
    // Another session holds the pause's row: A's pause waits to be written, while A's polls (every
    // 250 ms) still read the row as it was, not paused.
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT * FROM mail_outbox FOR UPDATE');
      await declare(a, 'Row held drill');
      await until(async () => (await state()).paused, 'A to pause');
      // Sends already begun on A's other connections when the refusal came end with their own refusal. Their
      // claims stay leased while A's pause waits for the held row, so the end is when the attempts stop changing
      // for a second (longer than a busy machine's stall), not when no delivery is leased.
      let tried = -1;
      await until(
        async () => {
          const seen = smtp.attempts.length;
          await new Promise((r) => setTimeout(r, 1000));
          tried = smtp.attempts.length;
          return tried === seen;
        },
        () => `the sends under way to end (${smtp.attempts.length} attempts so far)`,
        20_000,
      );
      for (let i = 1; i <= 6; i++) {
        await new Promise((r) => setTimeout(r, 250));
        expect((await state()).paused, `still paused ${i * 250} ms later`).toBe(true);
      }
      expect(smtp.attempts.length).toBe(tried);
    } finally {
      await holder.query('COMMIT').catch(() => {});
      await holder.end();
    }
    // Once written, the pause stands in the table and on A.
    await until(
      async () => (await rows(url, 'SELECT paused_reason FROM mail_outbox'))[0]?.[0]?.includes('535') ?? false,
      'the pause saved',
    );
    await new Promise((r) => setTimeout(r, 500));
    expect((await state()).paused).toBe(true);
  });

  it('a replica killed while sending leaves what it claimed to another once the lease ends; nothing is lost or sent twice', async () => {
    const url = await cluster.database();
    // An SMTP server that takes connections and never greets: A's sends hang with their deliveries claimed.
    const sockets: Socket[] = [];
    const hang = createServer((s) => sockets.push(s));
    await new Promise<void>((ok) => hang.listen(0, '127.0.0.1', ok));
    running.push(() => {
      for (const s of sockets) s.destroy();
    }, hang);
    const a = await replica(url, { SMTP_URL: `smtp://127.0.0.1:${(hang.address() as AddressInfo).port}`, MAIL_LEASE_SECONDS: '3' });
    await bulkSubscribers(url, 300);
    const inc = await declare(a, 'Payouts delayed');
    const update = inc.incident_updates[0].id as string;
    await until(async () => {
      const [[made, leased]] = (await rows(url, `SELECT count(*), count(lease_owner) FROM mail_deliveries WHERE intent = '${update}'`)) as [
        [string, string],
      ];
      return made === '300' && Number(leased) > 0;
    }, "A's fan-out and its first claims");
    const claimed = (await rows(url, `SELECT id FROM mail_deliveries WHERE lease_owner IS NOT NULL`)).map(([id]) => id!);
    await a.kill();

    const smtp = await smtpSink();
    const b = await replica(url, { SMTP_URL: smtp.url });
    await until(
      () => smtp.received.length >= 300,
      () => `300 notices (${smtp.received.length} so far)`,
      60_000,
    );
    await until(
      async () => (await rows(url, `SELECT count(*) FROM mail_deliveries WHERE state <> 'sent'`))[0]![0] === '0',
      'every delivery recorded',
    );
    // Give a duplicate time to show, if one were on its way.
    await new Promise((r) => setTimeout(r, 500));
    expect(smtp.received).toHaveLength(300);
    expect(new Set(smtp.received.map((r) => r.to[0])).size).toBe(300);
    // The deliveries A had claimed went out from B, under their own Message-IDs.
    const ids = new Set(smtp.received.map((r) => r.messageId));
    const host = new URL(SITE).hostname;
    for (const id of claimed) expect(ids.has(`<${id}@${host}>`), id).toBe(true);
    const senders = await rows(url, `SELECT DISTINCT sent_by FROM mail_deliveries`);
    expect(senders.map(([who]) => Number(who!.split(':').at(-1)))).toEqual([b.proc.pid]);
  }, 120_000);

  it('a fan-out cut short and then withdrawn is ended in mail_intents, not left fanning out for good', async () => {
    const url = await cluster.database();
    const smtp = await smtpSink();
    const h = await replica(url, { SMTP_URL: smtp.url });
    const drill = (await declare(h, 'Drill')).id as string;
    const kept = (await declare(h, 'Checkout errors')).id as string;
    const finished = (id: string) => rows(url, `SELECT done FROM mail_intents WHERE incident = '${id}'`);
    await until(async () => (await finished(drill))[0]?.[0] === 't' && (await finished(kept))[0]?.[0] === 't', 'both fan-outs');
    // As a leader that died half-way through them (or lost the database) leaves them: no pass lists them again
    // while their incidents are there, since this leader walked them already.
    await cluster.sql(`UPDATE mail_intents SET done = false WHERE incident IN ('${drill}', '${kept}')`, url);
    expect((await h.admin(`/incidents/${drill}`, { method: 'DELETE' })).status).toBe(204);
    await until(
      async () => (await finished(drill))[0]?.[0] === 't',
      () => 'the withdrawn fan-out ended',
      10_000,
    );
    // Ended for its incident's withdrawal alone: the other one, still there, is left for its own pass.
    expect(await finished(kept)).toEqual([['f']]);
  }, 60_000);
});
