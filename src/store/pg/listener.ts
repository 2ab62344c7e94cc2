import pg from 'pg';
import { describePgError } from './client.ts';

export interface ListenerOptions {
  url: string;
  channel: string;
  /** application_name of the connection: lets an operator (or a test) find it in pg_stat_activity. */
  applicationName: string;
  connectTimeoutMs: number;
  onNotify(payload: string): void;
  /**
   * Called each time LISTEN is in place, the first time and after every
   * reconnection: what was sent while it was down is lost, so the caller
   * checks for it.
   */
  onListen(): void;
  /** First wait before reconnecting, doubled per failure up to `maxRetryMs`. */
  minRetryMs?: number;
  maxRetryMs?: number;
  log?: (line: string) => void;
}

/**
 * One dedicated connection LISTENing on a channel, reconnected by itself
 * whenever it drops (PostgreSQL restarted, the backend was terminated, the
 * network failed). A pooled connection cannot do this: LISTEN belongs to a
 * session, and the pool would hand that session to others and drop it.
 * Reconnection retries quickly (100 ms, doubling, at most 2 s): a replica
 * whose LISTEN is down falls back on the store's poll, which is slower.
 */
export class Listener {
  private readonly opts: Required<Omit<ListenerOptions, 'log'>> & { log: (line: string) => void };
  private client: pg.Client | null = null;
  /** Clients whose loss was already handled: pg may report one failure as both 'error' and 'end'. */
  private readonly lostClients = new WeakSet<pg.Client>();
  private retryTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private closed = false;
  /** The server process of the current LISTEN connection, while there is one. */
  backendPid: number | null = null;

  constructor(opts: ListenerOptions) {
    this.opts = { minRetryMs: 100, maxRetryMs: 2_000, log: (line) => console.error(line), ...opts };
  }

  /** Whether LISTEN is in place right now. */
  get listening(): boolean {
    return this.client !== null;
  }

  /** Connects and LISTENs; resolves after the first attempt, successful or not (a failed one keeps retrying). */
  async start(): Promise<void> {
    await this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    if (client) {
      this.lostClients.add(client);
      await client.end().catch(() => {});
    }
  }

  private async connect(): Promise<void> {
    this.retryTimer = null;
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.opts.url,
      application_name: this.opts.applicationName,
      connectionTimeoutMillis: this.opts.connectTimeoutMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    // Both must be handled before connect(): an unhandled 'error' would end the process.
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, null));
    client.on('notification', (msg) => {
      if (msg.channel === this.opts.channel) this.call(() => this.opts.onNotify(msg.payload ?? ''));
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(this.opts.channel)}`);
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      this.backendPid = rows[0]?.pid ?? null;
    } catch (err) {
      this.lost(client, err as Error);
      return;
    }
    if (this.closed || this.lostClients.has(client)) {
      // Closed while connecting, or the connection died right after LISTEN (its loss is already handled).
      if (this.closed) await client.end().catch(() => {});
      return;
    }
    if (this.failures > 0)
      this.opts.log(`[herald] PostgreSQL LISTEN ${this.opts.channel} is back after ${this.failures} failed attempt(s).`);
    this.failures = 0;
    this.client = client;
    this.call(() => this.opts.onListen());
  }

  /** A throwing callback must not reach the socket's event handler (an uncaught exception) nor stop reconnection. */
  private call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.opts.log(`[herald] a LISTEN ${this.opts.channel} callback failed: ${(err as Error).stack ?? err}`);
    }
  }

  private lost(client: pg.Client, err: Error | null): void {
    if (this.lostClients.has(client)) return;
    this.lostClients.add(client);
    if (this.client === client) {
      this.client = null;
      this.backendPid = null;
    }
    // Its 'error' listener stays: a socket that fails again while closing must not end the process.
    client.end().catch(() => {});
    if (this.closed) return;
    if (this.failures === 0) {
      this.opts.log(
        `[herald] PostgreSQL LISTEN ${this.opts.channel} connection lost (${err ? describePgError(err) : 'closed'}); reconnecting, changes from other replicas are picked up by polling meanwhile.`,
      );
    }
    const delay = Math.min(this.opts.maxRetryMs, this.opts.minRetryMs * 2 ** this.failures);
    this.failures++;
    this.retryTimer = setTimeout(() => void this.connect(), delay);
    // The retry must not keep a process alive that is otherwise done.
    this.retryTimer.unref();
  }
}
