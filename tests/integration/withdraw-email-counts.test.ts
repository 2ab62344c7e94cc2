import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { outboxSettled, SITE, subscribeAndConfirm, to } from '../helpers/mail-flow.ts';
import { until } from '../helpers/poll.ts';
import { byId, dom, textOf } from '../helpers/dom.ts';

/**
 * The email counts the Withdraw question gives ("N emails about it so far", "N still waiting"). From a review:
 * they were read from the outbox's newest 1,000 notices, so an incident whose notices were older than those
 * lost both, and the Comms Lead read that nothing had gone out about it.
 */
let h: HeraldProcess;
let smtp: TestSmtp;
let s: ConsoleSession;
/** While set, the relay holds every message's answer: a delivery stays in flight, queued. */
let held: Promise<null> | null = null;
const READER = 'api-reader@example.com';

beforeAll(async () => {
  smtp = await startSmtp(() => held);
  h = await startHerald({
    env: {
      SMTP_URL: smtp.url,
      SITE_URL: SITE,
      HERALD_SEED: 'none',
      // A message held past the send timeout is retried: soon, not after the default back-off.
      MAIL_RETRY_BASE_MS: '1500',
      MAIL_RETRY_MAX_MS: '1500',
    },
  });
  for (const [id, name] of [
    ['api', 'API'],
    ['web', 'Website'],
  ]) {
    expect((await h.admin('/components', { body: { id, name } })).status).toBe(201);
  }
  await subscribeAndConfirm(h, smtp, READER, ['api']);
  s = await signIn(h);
}, 60_000);
afterAll(() => stopAll(h, smtp));

/** The third point of the question: what was sent and what still waits. */
const emailsLine = async (id: string) => {
  const doc = dom(await (await fetch(`${h.url}/admin/incidents/${id}/withdraw`, { headers: { cookie: s.cookie } })).text());
  return textOf(byId(doc, 'confirm-withdraw')!).replace(/\s+/g, ' ');
};

describe('the Withdraw question of an incident whose notices are older than the newest 1,000', () => {
  it('still counts the emails waiting for it, then those sent, its postmortem’s included', async () => {
    let release!: (v: null) => void;
    held = new Promise((r) => (release = r));
    try {
      const declared = await h.admin('/incidents', {
        body: { name: 'API errors', impact: 'major', body: 'Investigating.', notify: true, components: { api: 'major_outage' } },
      });
      expect(declared.status).toBe(201);
      const { id } = (await declared.json()) as { id: string };
      // A thousand newer notices, to nobody (no one follows the website): this incident's are behind them.
      const busy = await h.admin('/incidents', {
        body: { name: 'Website slow', impact: 'minor', body: 'Looking.', notify: true, components: { web: 'degraded_performance' } },
      });
      const other = ((await busy.json()) as { id: string }).id;
      for (let i = 0; i < 1000; i += 10) {
        const posted = await Promise.all(
          Array.from({ length: 10 }, (_, j) =>
            h.admin(`/incidents/${other}/updates`, { body: { status: 'identified', body: `Step ${i + j}.`, notify: true } }),
          ),
        );
        expect(posted.map((r) => r.status)).toEqual(Array(10).fill(201));
      }
      expect(await emailsLine(id)).toContain('The 1 email still waiting and any channel posts not yet made are dropped');

      release(null);
      held = null;
      expect((await h.admin(`/incidents/${id}/updates`, { body: { status: 'resolved', body: 'Fixed.', notify: false } })).status).toBe(201);
      const review = { body: '## Summary\n\nA bad deploy.', publish: true, notify: true };
      expect((await h.admin(`/incidents/${id}/postmortem`, { method: 'PUT', body: review })).status).toBe(200);
      await until(() => to(smtp, READER).length === 3, 'the disruption notice and the postmortem');
      await outboxSettled(h, 1, 60_000);
      expect(await emailsLine(id)).toContain('Emails (2 emails about it so far) and channel posts already sent cannot be called back.');
    } finally {
      held = null;
      release(null);
    }
  }, 180_000);
});
