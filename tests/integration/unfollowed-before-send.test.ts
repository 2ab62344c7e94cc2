import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, tempDataDir, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE, chooseComponents, outboxSettled, to, until } from '../helpers/mail-flow.ts';
import { seedSubscribers } from '../fixtures/subscribers.ts';

/**
 * README: who a notice reaches "is decided when each is sent, from the components each subscriber follows then".
 * From a hunt: a notice queued while the relay was down (retried) went, once the relay was back, to a subscriber
 * who had meanwhile chosen other components on the manage page: "Service disruption: Webhook delays … we will
 * email you when it is resolved", and the restoration, by that same rule, never came.
 */
type Json = Record<string, any>;
let smtp: TestSmtp;
let h: HeraldProcess;
let holding = true;
const dir = tempDataDir();

beforeAll(async () => {
  // A relay that answers "try again later" until the test lets it through.
  smtp = await startSmtp(() => (holding ? { code: 451, text: '4.3.0 Try again later' } : null));
  seedSubscribers(dir, [
    { email: 'alice@example.com', components: ['webhooks'] },
    { email: 'bob@example.com', components: ['webhooks'] },
  ]);
  h = await startHerald({
    dataDir: dir,
    env: { SMTP_URL: smtp.url, SITE_URL: SITE, MAIL_RETRY_BASE_MS: '300', MAIL_RETRY_MAX_MS: '600', MAIL_MAX_ATTEMPTS: '100' },
  });
  for (const [id, name] of [
    ['webhooks', 'Webhooks'],
    ['website', 'Website'],
  ]) {
    expect((await h.admin('/components', { body: { id, name } })).status).toBe(201);
  }
}, 60_000);
afterAll(() => stopAll(h, smtp, dir));

describe('a notice queued for a follower who then chose other components', () => {
  it('is not sent to them once the relay is back, and says why; the others get it', async () => {
    const declared = await h.admin('/incidents', {
      body: {
        name: 'Webhook delays',
        impact: 'major',
        status: 'investigating',
        body: 'Delayed.',
        components: { webhooks: 'major_outage' },
        notify: true,
      },
    });
    expect(declared.status).toBe(201);
    // Both notices were tried and refused for now: queued, to be tried again.
    await until(() => ['alice', 'bob'].every((n) => smtp.attempts.some((a) => a.to.includes(`${n}@example.com`))), 'both notices tried');
    await chooseComponents(h, 'alice@example.com', ['website']);
    holding = false;
    await until(() => to(smtp, 'bob@example.com').length === 1, "bob's notice");
    await outboxSettled(h);
    expect(to(smtp, 'alice@example.com')).toEqual([]);
    const failed = (await (await h.admin('/deliveries/failed?q=alice%40example.com')).json()) as Json;
    expect(failed.failed.map((f: Json) => f.last_error)).toEqual(['not sent: subscriber no longer follows its components']);
  });
});
