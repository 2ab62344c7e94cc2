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

/**
 * Stores `value` as the secret `name`: 'same' when it was already, 'created' when there was none, 'replaced' when it
 * held another. Under the row's lock, so replicas starting together each see what they replaced.
 */
export async function putSecret(pool: Pool, name: string, value: string): Promise<'same' | 'created' | 'replaced'> {
  return withClient(pool, async (client) => {
    const { rows } = await client.query<{ inserted: boolean }>(
      `INSERT INTO herald_secrets (name, value) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, created_at = now() WHERE herald_secrets.value IS DISTINCT FROM EXCLUDED.value
       RETURNING (xmax = 0) AS inserted`,
      [name, value],
    );
    if (rows.length === 0) return 'same';
    return rows[0]!.inserted ? 'created' : 'replaced';
  });
}
