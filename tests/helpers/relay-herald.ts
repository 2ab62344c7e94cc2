import { removeDir, startHerald, tempDataDir, type HeraldProcess } from './server.ts';
import { startSmtp, type TestSmtp } from './smtp.ts';
import { SITE } from './mail-flow.ts';
import { seedSubscribers } from '../fixtures/subscribers.ts';

/**
 * A Herald whose confirmed subscribers are `emails` (seeded before it starts), sending through a test relay
 * that answers as `reply` says (and `relay`, see startSmtp); the relay, the data folder and Herald are handed to `cleanup`, last made
 * first undone.
 */
export async function heraldWithRelay(
  cleanup: Array<() => Promise<void> | void>,
  reply: Parameters<typeof startSmtp>[0],
  emails: string[],
  env: Record<string, string> = {},
  relay: Parameters<typeof startSmtp>[1] = {},
): Promise<{ smtp: TestSmtp; h: HeraldProcess }> {
  const smtp = await startSmtp(reply, relay);
  cleanup.push(() => smtp.close());
  const dataDir = tempDataDir();
  cleanup.push(() => removeDir(dataDir));
  seedSubscribers(
    dataDir,
    emails.map((email) => ({ email })),
  );
  const h = await startHerald({ dataDir, env: { SMTP_URL: smtp.url, SITE_URL: SITE, ...env } });
  cleanup.push(() => h.stop());
  return { smtp, h };
}
