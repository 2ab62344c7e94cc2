import { randomBytes } from 'node:crypto';
import { Unavailable } from '../../domain/errors.ts';
import { type Pool, withClient } from '../pg/client.ts';
import { PgTables } from '../pg/tables.ts';
import { sharedSecret } from '../pg/secrets.ts';
import type { SharedMail } from './open.ts';
import { KEY_VOIDS_LINKS, LinkKeyLost, LinkTokens } from './tokens.ts';
import { PgSubscribers } from './pg-subscribers.ts';
import { PgOutbox } from './pg-outbox.ts';

/** Subscribers and the email outbox in PostgreSQL (open.ts's SharedMail): apart, so the embedded engine loads no PostgreSQL client. */
export function openSharedMail(pool: Pool, log: (line: string) => void): SharedMail {
  const db = new PgTables(pool, 'subscribers and deliveries', log);
  let loaded: LinkTokens | null = null;
  const tokens = sharedLinkKey(pool).then((key) => {
    loaded = new LinkTokens(Buffer.from(key, 'base64'));
    return loaded;
  });
  const linkKey = (): LinkTokens => {
    if (!loaded) throw new Unavailable('Herald is still starting; try again in a moment.', 'starting', 1);
    return loaded;
  };
  return { engine: 'postgres', subscribers: new PgSubscribers(db, linkKey), outbox: new PgOutbox(db), tokens };
}

/**
 * The link key in herald_secrets, made only while mail_subscribers is empty: with subscribers there, a missing
 * key was lost (a restore that left herald_secrets out), and a new one would void their links (LinkTokens.open).
 */
async function sharedLinkKey(pool: Pool): Promise<string> {
  const stored = await withClient(pool, async (client) => {
    const { rows } = await client.query<{ value: string | null; subscribed: boolean }>(
      `SELECT (SELECT value FROM herald_secrets WHERE name = 'link-key') AS value, EXISTS (SELECT 1 FROM mail_subscribers) AS subscribed`,
    );
    return rows[0]!;
  });
  if (stored.value !== null) return stored.value;
  if (stored.subscribed) {
    throw new LinkKeyLost(
      "Refusing to start: the link key (herald_secrets, name 'link-key') is missing from the database, and mail_subscribers holds " +
        `subscribers whose links it signed. Restore that row from a backup: ${KEY_VOIDS_LINKS}. To give those links up knowingly, ` +
        "insert a new key: INSERT INTO herald_secrets (name, value) VALUES ('link-key', '<the output of openssl rand -base64 32>')",
    );
  }
  return (await sharedSecret(pool, 'link-key', () => randomBytes(32).toString('base64'))).value;
}
