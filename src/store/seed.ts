import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../config.ts';
import { HeraldError } from '../domain/errors.ts';
import { projectRoot } from '../paths.ts';
import type { VerbContext } from '../domain/context.ts';
import { COMPONENT_STATUSES, IMPACTS, INCIDENT_STATUSES } from '../domain/status.ts';
import { createComponent } from '../domain/components/manage.ts';
import { declareIncident } from '../domain/incidents/declare.ts';
import { postUpdate } from '../domain/incidents/post-update.ts';

const seedSchema = z.object({
  components: z.array(z.object({ id: z.string(), name: z.string(), description: z.string(), group: z.string().nullable() })),
  incidents: z.array(
    z.object({
      name: z.string(),
      impact: z.enum(IMPACTS),
      started_minutes_ago: z.number(),
      updates: z.array(
        z.object({
          minutes_ago: z.number(),
          status: z.enum(INCIDENT_STATUSES),
          body: z.string(),
          components: z.record(z.string(), z.enum(COMPONENT_STATUSES)),
          root_cause: z.string().optional(),
          resolution: z.string().optional(),
          prevention: z.string().optional(),
        }),
      ),
    }),
  ),
});
export type SeedFile = z.infer<typeof seedSchema>;

/** Beside DATA_DIR's default (./data), so moving a default DATA_DIR aside takes the seed with it. */
export const seedFile = (): string => join(projectRoot(), 'data', 'seed.json');

/**
 * The refusal of a start whose new site the seed could not fill: the operator's file, named, rather than a stack
 * trace from JSON.parse or a domain verb.
 */
export const seedRefusal = (reason: string) =>
  new ConfigError(
    `Refusing to start: ${seedFile()}, the demo a new site starts with, is not valid: ${reason}. ` +
      'Restore it (`git checkout data/seed.json`), or start with HERALD_SEED=none for an empty page.',
  );

/**
 * The demo content, or null when data/seed.json is missing: a missing seed
 * costs only the demo, never the start (a default DATA_DIR moved aside takes
 * the seed with it). An unreadable or broken seed still stops the start.
 */
export function readDemoSeed(): SeedFile | null {
  let text: string;
  try {
    text = readFileSync(seedFile(), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw seedRefusal(`it is not JSON (${(err as Error).message})`);
  }
  const parsed = seedSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const [issue] = parsed.error.issues;
  throw seedRefusal(`${issue?.path.join('.') || 'the file'}: ${issue?.message}`);
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
  // A value the domain refuses (an unknown component in an update, an empty name) is the seed's fault, not a bug:
  // refused naming the file and the record.
  const refusing = (where: string, verb: () => void) => {
    try {
      verb();
    } catch (err) {
      if (err instanceof HeraldError) throw seedRefusal(`${where}: ${err.message.replace(/\.$/, '')}`);
      throw err;
    }
  };
  for (const [i, c] of seed.components.entries()) refusing(`components.${i}`, () => createComponent(at(100 * 24 * 60), c));
  for (const [i, inc] of seed.incidents.entries()) {
    const [first, ...rest] = inc.updates;
    if (!first) continue;
    refusing(`incidents.${i} ("${inc.name}")`, () => {
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
    });
  }
  ctx.db.audit = [];
}
