import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { openHerald, type Herald } from '../../src/herald.ts';
import { removeDir, tempDataDir } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { until } from '../helpers/poll.ts';

/**
 * A confirmation email goes out once per request, with one Message-ID,
 * across compactions and restarts: the start-up resume (which re-creates
 * confirmations lost between the subscriber's record and its delivery)
 * must recognise one that was already sent.
 */
let herald: Herald | null = null;
let smtp: TestSmtp | null = null;
let dir = '';
afterEach(async () => {
  await herald?.close();
  await smtp?.close();
  herald = null;
  smtp = null;
  removeDir(dir);
});

const open = () =>
  openHerald(
    loadConfig({
      DATA_DIR: dir,
      HERALD_SEED: 'none',
      ADMIN_TOKEN: 'x'.repeat(32),
      SMTP_URL: smtp!.url,
      SITE_URL: 'https://status.example.test',
    }),
    { log: () => {} },
  );

/** Nothing queued, waiting or in flight, twice in a row 50 ms apart. */
async function quiet(h: Herald): Promise<void> {
  let still = 0;
  await until(
    () => {
      const idle = h.notify.local!.sender.pending === 0 && h.notify.local!.ledger.queued().length === 0;
      still = idle ? still + 1 : 0;
      return still >= 2;
    },
    'the outbox to settle',
    10_000,
    50,
  );
}

describe('confirmation emails are sent once', () => {
  it('a confirmation sent before a compaction is not sent again after a restart', async () => {
    dir = tempDataDir('herald-confirm-once-');
    smtp = await startSmtp();
    herald = await open();
    await herald.notify.ready;
    for (const email of ['one@example.com', 'two@example.com', 'three@example.com']) {
      await herald.notify.subscribe({ email, components: [] }, '192.0.2.1');
    }
    await smtp.waitFor(3);
    await quiet(herald);
    // The compactor's minute came: sent deliveries leave the journal.
    await herald.notify.local!.ledger.compactIfWorthIt(true);
    await herald.close();

    herald = await open();
    await herald.notify.ready;
    await quiet(herald);
    // Give a resent message time to arrive, if one was on its way.
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.attempts).toHaveLength(3);
    expect(new Set(smtp.attempts.map((a) => a.messageId)).size).toBe(3);
    expect(herald.notify.local!.ledger.countsOf('confirm')).toEqual({ queued: 0, sent: 3, failed: 0 });
  });
});
