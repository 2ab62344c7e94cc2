import type { Pool } from './client.ts';
import { withClient } from './client.ts';

/**
 * A secret shared by the replicas: the stored one, or `make()` stored now
 * (the first replica to ask wins; the others read its value). `created` says
 * this call made it (so only that replica prints a generated admin token).
 */
export async function sharedSecret(pool: Pool, name: string, make: () => string): Promise<{ value: string; created: boolean }> {
  return withClient(pool, async (client) => {
    const candidate = make();
    const inserted = await client.query('INSERT INTO herald_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [
      name,
      candidate,
    ]);
    const { rows } = await client.query<{ value: string }>('SELECT value FROM herald_secrets WHERE name = $1', [name]);
    return { value: rows[0]!.value, created: inserted.rowCount === 1 };
  });
}

/** Removes the secret `name` unless it is `keep`: whether there was another to remove. */
export async function removeSecretUnless(pool: Pool, name: string, keep: string): Promise<boolean> {
  return withClient(pool, async (client) => {
    const removed = await client.query('DELETE FROM herald_secrets WHERE name = $1 AND value <> $2', [name, keep]);
    return (removed.rowCount ?? 0) > 0;
  });
}
