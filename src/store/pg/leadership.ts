import pg from 'pg';
import type { LeaderSession, Leadership } from '../leadership.ts';
import { describePgError } from './client.ts';
import { LEADER_LOCK_KEY, SESSION_START } from './leader-lock.ts';

// Named here too, where the tests and the rest of leadership look for them.
export { LEADER_LOCK_KEY, SESSION_START };

/**
 * How long the lead's session may say nothing before PostgreSQL ends it (`idle_session_timeout`, PostgreSQL 14
 * and later), and with it the lock. A leader checks its session every second; one that hangs without dying (a
 * stuck event loop, SIGSTOP, a paused VM) keeps its connection open, and would keep the lead, with every
 * notice and post waiting, for as long as it hung. Woken, it finds its session gone and stops leading.
 */
export const LEAD_IDLE_LIMIT_MS = 10_000;

/** Sets LEAD_IDLE_LIMIT_MS on this session where the server knows the setting (no row, and nothing set, before 14). */
const LIMIT_IDLE = `SELECT set_config('idle_session_timeout', '${LEAD_IDLE_LIMIT_MS}', false) FROM pg_settings WHERE name = 'idle_session_timeout'`;

/** Takes the lead if no session holds it: `ok`, and this session (LeaderSession). */
export const TRY_LEAD = `SELECT pg_try_advisory_lock(${LEADER_LOCK_KEY}) AS ok, pg_backend_pid() AS pid,
  (SELECT ${SESSION_START} FROM pg_stat_activity a WHERE a.pid = pg_backend_pid()) AS started`;

/**
 * One replica leads: the one whose dedicated connection holds a session-level
 * advisory lock. The others try again every `retryMs`; when the leader dies,
 * PostgreSQL ends its session and with it the lock, and the next try of
 * another replica takes it (within `retryMs`). A leader that loses its
 * connection stops leading at once and competes again like the others.
 * A replica that `mayLead` says may not (it refuses the stored document: its
 * leader jobs would act on stale data, or on none) gives the lead up within
 * `retryMs` and does not compete until it may again.
 */
export class PgLeadership implements Leadership {
  private readonly url: string;
  private readonly name: string;
  private readonly retryMs: number;
  private readonly log: (line: string) => void;
  private readonly mayLead: () => boolean;
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private leading = false;
  private leaderSession: LeaderSession | null = null;
  private closed = false;
  /** The last try's failure as logged: an outage is one line, not one a second (a new failure is logged again). */
  private failure: string | null = null;
  private readonly listeners = new Set<(isLeader: boolean) => void>();
  private readonly lostListeners = new Set<() => void>();

  constructor(opts: { url: string; replica: string; retryMs?: number; log?: (line: string) => void; mayLead?: () => boolean }) {
    this.url = opts.url;
    this.name = `herald-lead:${opts.replica}`.slice(0, 63);
    this.retryMs = opts.retryMs ?? 1_000;
    this.log = opts.log ?? ((line) => console.error(line));
    this.mayLead = opts.mayLead ?? (() => true);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  get session(): LeaderSession | null {
    return this.leading ? this.leaderSession : null;
  }

  onChange(listener: (isLeader: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onConnectionLost(listener: () => void): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  /** Tries once now; keeps trying (and, once leading, checks the connection) every retryMs. */
  async start(): Promise<void> {
    await this.attempt();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = null;
    this.set(false);
    // Ending the session releases the lock at once: another replica leads on its next try.
    await client?.end().catch(() => {});
  }

  private set(leading: boolean): void {
    if (this.leading === leading) return;
    this.leading = leading;
    for (const l of this.listeners) {
      try {
        l(leading);
      } catch (err) {
        this.log(`[herald] a leadership listener failed: ${(err as Error).message}`);
      }
    }
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.attempt(), this.retryMs);
    this.timer.unref();
  }

  /** The connection in use was cut (the server ended it, or the network): see onConnectionLost. */
  private cut(client: pg.Client): void {
    if (this.client !== client) return;
    this.drop(client);
    // Said once, as a failed try is: the next try that succeeds says so ('tries succeed again'), even when the
    // server is back before any try fails.
    const failure = 'the connection was cut';
    if (!this.closed && this.failure === null) this.log(`[herald] leadership: ${failure}; trying again every ${this.retryMs / 1000} s`);
    this.failure ??= failure;
    this.lost();
  }

  private lost(): void {
    if (this.closed) return;
    for (const l of this.lostListeners) {
      try {
        l();
      } catch (err) {
        this.log(`[herald] a leadership listener failed: ${(err as Error).message}`);
      }
    }
  }

  private drop(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    this.set(false);
    client.end().catch(() => {});
  }

  private async attempt(): Promise<void> {
    if (this.closed) return;
    if (!this.mayLead()) {
      if (this.client) {
        if (this.leading) this.log('[herald] this replica stops leading: it cannot read the stored document');
        // Ending the session releases the lock: a replica that reads the document takes it on its next try.
        this.drop(this.client);
      }
      this.schedule();
      return;
    }
    try {
      if (!this.client) {
        const client = new pg.Client({
          connectionString: this.url,
          application_name: this.name,
          connectionTimeoutMillis: 5_000,
          keepAlive: true,
          // A check that does not come back (a network cut) ends this replica's lead instead of hanging it.
          query_timeout: 5_000,
        });
        client.on('error', () => this.cut(client));
        client.on('end', () => this.cut(client));
        await client.connect();
        if (this.closed) {
          await client.end().catch(() => {});
          return;
        }
        this.client = client;
        await client.query(LIMIT_IDLE);
      }
      const client = this.client;
      if (this.leading) {
        // Still connected means still holding the lock (it lives as long as the session).
        await client.query('SELECT 1');
      } else {
        const { rows } = await client.query<{ ok: boolean } & LeaderSession>(TRY_LEAD);
        // Without its start this session could not prove it leads (every claim would be refused): not leading, the
        // error ends the session and with it the lock.
        if (rows[0]?.ok && rows[0].started == null) throw new Error('the session start is not readable in pg_stat_activity');
        if (rows[0]?.ok) {
          this.leaderSession = { pid: rows[0].pid, started: rows[0].started };
          this.log(`[herald] this replica now leads (timer, fan-out planning)`);
          this.set(true);
        }
      }
      if (this.failure !== null && !this.closed) this.log('[herald] leadership: tries succeed again');
      this.failure = null;
    } catch (err) {
      if (this.client) this.drop(this.client);
      const failure = describePgError(err);
      if (!this.closed && failure !== this.failure)
        this.log(`[herald] leadership: ${failure}; trying again every ${this.retryMs / 1000} s`);
      this.failure = failure;
      this.lost();
    }
    this.schedule();
  }
}
