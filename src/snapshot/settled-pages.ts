import { createHash } from 'node:crypto';
import { componentNamer } from '../domain/components/names.ts';
import { allEvents, type Db, type EventRecord } from '../domain/model.ts';

/**
 * What the page of a settled incident or maintenance window is made of, as a digest; null for one that is not
 * settled. Settled: resolved (an incident, or a window completed), or a window cancelled. Its page then says
 * nothing that moves with the clock (an ongoing duration, a passed estimate, a window overrunning) and reads,
 * besides Herald's build and configuration, only the record itself, the names of the components it names and
 * the page's settings. A static copy (static-snapshots.ts) takes such a page from the previous copy while its
 * digest is the same, instead of rendering it again: with a long history, the copy after each publish would
 * otherwise render every incident page there is (5,000 of them: about 13 s of CPU on two cores).
 *
 * Kept in step with `src/pages/incidents/[id].astro` and what it includes: a page that starts reading
 * something else must put it here, or its copy goes stale. tests/integration/static-settled-pages.test.ts
 * compares the copied pages with fresh ones after each kind of change.
 */
export function settledPageDigest(db: Db, event: EventRecord, namesOf = componentNamer(db)): string | null {
  const settled = event.resolved_at !== null || (event.kind === 'maintenance' && event.cancelled_at !== null);
  if (!settled) return null;
  return createHash('sha256')
    .update(JSON.stringify([event, namesOf(event), db.settings], keysInOrder))
    .digest('base64url');
}

/**
 * Objects with their keys sorted: a record made in this process and the same record read back from the store
 * (whose schema sets the order) must give one digest, or a restart would render every page again.
 */
function keysInOrder(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The digest of every settled event's page (see settledPageDigest), by event id. */
export function settledPageDigests(db: Db): Map<string, string> {
  const digests = new Map<string, string>();
  const namesOf = componentNamer(db);
  for (const event of allEvents(db)) {
    const digest = settledPageDigest(db, event, namesOf);
    if (digest) digests.set(event.id, digest);
  }
  return digests;
}
