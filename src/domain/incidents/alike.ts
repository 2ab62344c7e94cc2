import type { Db, Incident } from '../model.ts';
import { isOpenIncident } from '../overall.ts';

/** A name as people tell two apart: case, spacing and the ends aside. */
const nameKey = (name: string) => name.trim().replace(/\s+/g, ' ').toLowerCase();

/**
 * The open incidents a declare would stand beside as a second one: not ended (resolved, or its postmortem published), and with the same name or
 * naming one of its components, newest first; with `since`, only those declared after it. Two Comms Leads (or
 * one in two tabs) declaring the same outage at once would otherwise put it on the page twice and email
 * its subscribers twice.
 */
export function openAlike(
  db: Pick<Db, 'incidents'>,
  input: { name: string; components?: Record<string, unknown> },
  since?: string,
): Incident[] {
  const named = new Set(Object.keys(input.components ?? {}));
  const name = nameKey(input.name);
  return (
    db.incidents
      // Open as the page counts it: one whose postmortem is published ended too.
      .filter((i) => isOpenIncident(i) && (since === undefined || i.created_at > since))
      .filter((i) => nameKey(i.name) === name || i.components.some((c) => named.has(c)))
      .sort((a, b) => b.created_at.localeCompare(a.created_at))
  );
}
