import { afterAll, describe, expect, it } from 'vitest';
import { startHerald, tempDataDir, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE, outboxSettled, subscribeAndConfirm } from '../helpers/mail-flow.ts';
import { until } from '../helpers/poll.ts';

/**
 * The outbox under repeated crashes: incidents declared with notify while
 * Herald is SIGKILLed at random moments, against one SMTP server that
 * outlives every Herald. After the last restart the queue drains, and every
 * reader has the notice of every incident whose declaration was answered 2xx.
 * A resend after a kill carries the same Message-ID (at-least-once, deduplicable).
 */
const KILLS = process.env.HERALD_LONG === '1' ? 50 : 5;
const READERS = ['k1@example.test', 'k2@example.test', 'k3@example.test'];
const dataDir = tempDataDir('herald-outbox-kills-');
let smtp: TestSmtp;
let h: HeraldProcess | undefined;
afterAll(() => stopAll(h, smtp, dataDir));

// On PostgreSQL, what a killed Herald had claimed waits out its lease before the next one sends it:
// 5 s rather than the default 60 s keeps the last wait far from its bound on a slow machine.
const env = () => ({
  SMTP_URL: smtp.url,
  SITE_URL: SITE,
  MAIL_RETRY_BASE_MS: '200',
  MAIL_RETRY_MAX_MS: '1000',
  MAIL_LEASE_SECONDS: '5',
  STATIC_SNAPSHOT: 'false',
});

describe('outbox crash safety', () => {
  it(
    `no notice is lost across ${KILLS} SIGKILLs during publishes with notify`,
    async () => {
      smtp = await startSmtp();
      h = await startHerald({ dataDir, env: env() });
      for (const r of READERS) await subscribeAndConfirm(h, smtp, r);
      const acked: string[] = [];
      let n = 0;
      for (let round = 0; round < KILLS; round++) {
        if (!h) h = await startHerald({ dataDir, env: env() });
        const herald = h;
        let stopped = false;
        const before = acked.length;
        const writer = async () => {
          while (!stopped) {
            const name = `Kill drill ${round}-${++n}`;
            try {
              const res = await herald.admin('/incidents', { body: { name, impact: 'major', body: 'Investigating.', notify: true } });
              if (res.status === 201) acked.push(name);
            } catch {
              // cut off by the kill: outcome unknown
            }
          }
        };
        const streams = [writer(), writer()];
        await until(() => acked.length > before, 'a first acknowledged publish');
        await new Promise((r) => setTimeout(r, Math.random() * 600));
        stopped = true;
        await herald.kill();
        await Promise.all(streams);
        h = undefined;
      }
      h = await startHerald({ dataDir, env: env() });
      await until(
        () => READERS.every((r) => acked.every((name) => smtp.received.some((m) => m.to.includes(r) && subjectOf(m.raw).includes(name)))),
        'every notice',
        90_000,
      );
      const settled = await outboxSettled(h);
      expect(settled.failed).toEqual([]);
      // Duplicates (accepted just before a kill, resent after) reuse the Message-ID.
      const byKey = new Map<string, Set<string>>();
      for (const m of smtp.received) {
        const key = `${m.to.join(',')} ${subjectOf(m.raw)}`;
        byKey.set(key, (byKey.get(key) ?? new Set()).add(m.messageId));
      }
      for (const [key, ids] of byKey) expect(ids.size, key).toBe(1);
      expect(acked.length).toBeGreaterThanOrEqual(KILLS);
    },
    KILLS * 15_000 + 120_000,
  );
});

function subjectOf(raw: string): string {
  const head = raw.split(/\r?\n\r?\n/)[0]!;
  return /^Subject:\s*(.*(?:\r?\n[ \t].*)*)/im.exec(head)?.[1]?.replace(/\r?\n[ \t]/g, ' ') ?? '';
}
