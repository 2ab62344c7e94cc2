/**
 * Whether this replica may take over the expired mail leases of a replica
 * that looks gone (no connection to the database, src/store/mail/pg-leases.ts).
 * Not while PostgreSQL is away, nor for `graceMs` (one lease) after it came
 * back: after a restart or a failover every replica reconnects, one a little
 * after another, and the live holder of those leases must be back to record
 * what it sent before anyone takes them (and sends them twice). A replica that
 * just started saw no outage and takes them at once (the holder died).
 */
export class OutageGrace {
  private readonly graceMs: number;
  private down = false;
  private backAt = Number.NEGATIVE_INFINITY;

  constructor(graceMs: number) {
    this.graceMs = graceMs;
  }

  /** A statement failed: the database may be away. */
  failed(): void {
    this.down = true;
  }

  /** A statement was answered. */
  answered(nowMs: number): void {
    if (!this.down) return;
    this.down = false;
    this.backAt = nowMs;
  }

  takeOver(nowMs: number): boolean {
    return !this.down && nowMs - this.backAt >= this.graceMs;
  }
}
