import type { PgDocumentStore } from './document-store.ts';
import type { PgLeadership } from './leadership.ts';

/** What /healthz says of a replica on PostgreSQL (Storage.health). */
export interface PgHealth {
  engine: 'postgres';
  /** The database answered lately and the stored document is one this replica reads. */
  healthy: boolean;
  listening: boolean;
  leader: boolean;
  /** Why not healthy (for the operator; no host or query in it: /healthz is public), else null. */
  reason: string | null;
}

/**
 * Degraded while PostgreSQL is away, and while the stored document is one this replica refuses (a newer
 * Herald wrote it during a rolling deploy, say): it then serves a page that no longer changes and cannot
 * write, which a load balancer or a monitor checking `status` must see (and it does not lead meanwhile).
 */
export function pgHealth<T>(document: PgDocumentStore<T>, leadership: PgLeadership): PgHealth {
  const refusal = document.refusal;
  const reason = !document.healthy
    ? 'PostgreSQL is unreachable: serving the last data read; writes fail'
    : refusal
      ? `the stored document is refused (${refusal}): serving the last one this replica could read; writes fail and it does not lead`
      : null;
  return { engine: 'postgres', healthy: reason === null, listening: document.listening, leader: leadership.isLeader, reason };
}
