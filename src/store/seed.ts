import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../paths.ts';
import type { VerbContext } from '../domain/context.ts';
import type { ComponentStatus, Impact, IncidentStatus } from '../domain/status.ts';
import { createComponent } from '../domain/components/manage.ts';
import { declareIncident } from '../domain/incidents/declare.ts';
import { postUpdate } from '../domain/incidents/post-update.ts';

export interface SeedFile {
  components: Array<{ id: string; name: string; description: string; group: string | null }>;
  incidents: Array<{
    name: string;
    impact: Impact;
    started_minutes_ago: number;
    updates: Array<{
      minutes_ago: number;
      status: IncidentStatus;
      body: string;
      components: Record<string, ComponentStatus>;
      root_cause?: string;
      resolution?: string;
      prevention?: string;
    }>;
  }>;
}

/** Beside DATA_DIR's default (./data), so moving a default DATA_DIR aside takes the seed with it. */
export const seedFile = (): string => join(projectRoot(), 'data', 'seed.json');

/**
 * The demo content, or null when data/seed.json is missing: a missing seed
 * costs only the demo, never the start (a default DATA_DIR moved aside takes
 * the seed with it). An unreadable or broken seed still stops the start.
 */
export function readDemoSeed(): SeedFile | null {
  try {
    return JSON.parse(readFileSync(seedFile(), 'utf8')) as SeedFile;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

const count = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** A new site, as the engine makes one: a new DATA_DIR, or on PostgreSQL a new database (a new DATA_DIR joins the same site). */
const newSite = (engine: 'embedded' | 'postgres') => (engine === 'postgres' ? 'a new database (DATABASE_URL)' : 'a new DATA_DIR');

/** What a start says about the demo: what it added, what it could not find, or that HERALD_SEED=none came too late. */
export const seedLines = {
  seeded: (seed: SeedFile, engine: 'embedded' | 'postgres') =>
    `Seeded the demo from ${seedFile()}: ${count(seed.components.length, 'component')} and ${count(seed.incidents.length, 'past incident')}. ` +
    `Delete them in the console, or start ${newSite(engine)} with HERALD_SEED=none for an empty page.`,
  missing: (engine: 'embedded' | 'postgres') =>
    `The demo seed was not found at ${seedFile()}: starting with an empty page (\`git checkout data/seed.json\` brings the demo back for ${newSite(engine)}).`,
  kept: (engine: 'embedded' | 'postgres') =>
    `HERALD_SEED=none applies to ${newSite(engine)} only: this site already exists (with demo components), left as it is. ` +
    `Delete them in the console, or start ${newSite(engine)} for a new site.`,
};

/**
 * Whether the site still holds a component of the demo (HERALD_SEED=none on it changes nothing): one the seed made,
 * by its id, name and description alike. An id alone would take an operator's own `api` for the demo's.
 */
export function holdsDemo(components: Iterable<{ id: string; name: string; description: string | null }>): boolean {
  let seed: SeedFile | null;
  try {
    seed = readDemoSeed();
  } catch {
    // Only for a line of advice: a seed HERALD_SEED=none does not use must not stop the start.
    return false;
  }
  if (!Array.isArray(seed?.components)) return false;
  const demo = new Set(seed.components.map((c) => JSON.stringify([c.id, c.name, c.description])));
  for (const c of components) if (demo.has(JSON.stringify([c.id, c.name, c.description]))) return true;
  return false;
}

/**
 * Fills an empty database with the demo content of data/seed.json, through
 * the same domain verbs the admin API uses, dated in the past as the seed
 * says. Seeded updates never notify, and leave no audit trail.
 */
export function seedDemo(ctx: VerbContext, seed: SeedFile): void {
  const at = (minutesAgo: number) => ({ ...ctx, now: new Date(ctx.now.getTime() - minutesAgo * 60_000) });
  for (const c of seed.components) createComponent(at(100 * 24 * 60), c);
  for (const inc of seed.incidents) {
    const [first, ...rest] = inc.updates;
    if (!first) continue;
    const incident = declareIncident(at(first.minutes_ago), {
      name: inc.name,
      impact: inc.impact,
      status: first.status,
      body: first.body,
      components: first.components,
      notify: false,
    });
    for (const u of rest) {
      const { minutes_ago: _, ...update } = u;
      postUpdate(at(u.minutes_ago), incident.id, { ...update, notify: false });
    }
  }
  ctx.db.audit = [];
}
