import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../paths.ts';
import type { VerbContext } from '../domain/context.ts';
import type { ComponentStatus, Impact, IncidentStatus } from '../domain/status.ts';
import { createComponent } from '../domain/components/manage.ts';
import { declareIncident } from '../domain/incidents/declare.ts';
import { postUpdate } from '../domain/incidents/post-update.ts';

interface SeedFile {
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

const SEED_FILE = join(projectRoot(), 'data', 'seed.json');

/**
 * Fills an empty database with the demo content of data/seed.json, through
 * the same domain verbs the admin API uses, dated in the past as the seed
 * says. Seeded updates never notify, and leave no audit trail.
 */
export function seedDemo(ctx: VerbContext): void {
  const seed = JSON.parse(readFileSync(SEED_FILE, 'utf8')) as SeedFile;
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
