import pg from 'pg';

/** Every value as PostgreSQL's text of it ('t' for true, a timestamp in the session's zone), as psql prints it. */
const asText = { getTypeParser: () => (text: string) => text };

/** SQLSTATEs of a connection the server ended (a restart, pg_terminate_backend), not of the statement. */
const ENDED = new Set(['57P01', '57P02']);

/**
 * Runs statements on a test cluster as `psql -X -q -A -t -c` did (every result's rows, columns joined by
 * '|', NULL as nothing, trimmed), over connections kept open per database: a psql spawned per statement
 * cost about 65 ms of CPU (psql's start, and a backend's start in PostgreSQL), and tests poll with these
 * (tests/helpers/poll.ts, every 25 ms), which kept a core half busy under the lease tests beside them.
 * Connections are idle between statements and hold no lock; statements sent together get one each.
 */
export class SqlText {
  private readonly pools = new Map<string, pg.Pool>();
  private readonly port: number;
  constructor(port: number) {
    this.port = port;
  }

  async run(statement: string, database: string): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool(database).connect();
      const reused = (client as { used?: boolean }).used === true;
      (client as { used?: boolean }).used = true;
      // The pool listens for a connection's end only while it is idle: ended during a statement (a restart), the
      // statement fails, and the client's 'error' event must not be left to crash the test process.
      if (!reused) client.on('error', () => {});
      try {
        const results = await client.query({ text: statement, rowMode: 'array' });
        client.release();
        return (Array.isArray(results) ? results : [results])
          .flatMap((r) => r.rows as unknown[][])
          .map((row) => row.map((v) => (v === null ? '' : String(v))).join('|'))
          .join('\n')
          .trim();
      } catch (err) {
        const code = (err as { code?: string }).code;
        const ended = code === undefined || ENDED.has(code);
        client.release(ended ? (err as Error) : undefined);
        // A kept connection the server ended while it was idle (the cluster restarted): the statement never
        // ran there, so it is sent once more on a new one.
        if (ended && reused && attempt === 1) continue;
        throw new Error(`SQL failed on ${statement}: ${(err as Error).message}`);
      }
    }
  }

  /** Ends every kept connection (before the cluster stops: a stop does not wait for them, nor they for it). */
  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.end().catch(() => {})));
  }

  private pool(database: string): pg.Pool {
    let pool = this.pools.get(database);
    if (!pool) {
      pool = new pg.Pool({ host: '127.0.0.1', port: this.port, user: 'herald', database, max: 4, types: asText });
      // An idle connection the server ended: the pool drops it; the next statement opens another.
      pool.on('error', () => {});
      this.pools.set(database, pool);
    }
    return pool;
  }
}
