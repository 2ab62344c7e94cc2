import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { templatePath } from '../paths.ts';
import type { SeverityLevel } from '../domain/settings.ts';
import { formatDuration } from '../domain/overall.ts';
import { formatDateTime } from '../domain/time-text.ts';
import { cadenceText, etaStated, everyText, joinNames } from '../domain/words.ts';
import { markdownLiteral } from '../render/markdown-literal.ts';
import { customerNames } from '../domain/components/names.ts';
import type { Db } from '../domain/model.ts';

/**
 * The status-page update templates (templates/updates/, after the runbooks'
 * Initial, In progress and Resolution updates), filled from the data: the
 * affected services, the level's cadence, when it started (Initial), when it
 * was updated (In progress: identified, monitoring), the estimate, how long it
 * lasted. The Comms Lead edits the result; it is Markdown, sanitized
 * when rendered like every body, so nothing is HTML-escaped here, but the
 * components' names are written as Markdown that shows them as they are.
 */
export const TEMPLATE_NAMES = ['investigating', 'identified', 'monitoring', 'resolved', 'maintenance'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

export interface TemplateFacts {
  /** The affected components' names. */
  components: string[];
  /** The severity level (its cadence); null for maintenance or no level. */
  level: SeverityLevel | null;
  /** When the incident started; null: now (a declare). */
  startedAt: string | null;
  /** When it was resolved; null or absent: now (the update that resolves it). A follow-up note has one. */
  resolvedAt?: string | null;
  /** Another incident is open or a maintenance window runs: the resolved text does not say every service works. */
  othersOpen?: boolean;
  eta: string | null;
  now: Date;
  timeZone: string;
}

let compiled: Map<TemplateName, HandlebarsTemplateDelegate> | null = null;

function load(): Map<TemplateName, HandlebarsTemplateDelegate> {
  if (compiled) return compiled;
  const dir = templatePath('updates');
  const map = new Map<TemplateName, HandlebarsTemplateDelegate>();
  for (const name of TEMPLATE_NAMES) {
    map.set(name, Handlebars.compile(readFileSync(join(dir, `${name}.md.hbs`), 'utf8'), { noEscape: true, strict: false }));
  }
  compiled = map;
  return map;
}

/** What the browser fills in when components are chosen (public/admin/console.js). */
export const TOKENS = { components: '{components}', affected: '{affected}', eta: '{eta}' } as const;

function fill(name: TemplateName, f: Omit<TemplateFacts, 'components'>, components: string, affected: string, eta?: string): string {
  const now = f.now.toISOString();
  const started = f.startedAt ?? now;
  const ended = f.resolvedAt ?? now;
  return load().get(name)!({
    components,
    affected,
    cadence: f.level?.update_every_minutes ? cadenceText(f.level.update_every_minutes) : null,
    every: f.level?.update_every_minutes ? everyText(f.level.update_every_minutes) : null,
    startedAt: formatDateTime(started, f.timeZone),
    // The In progress update's time (identified, monitoring: the runbooks' "Updated at"), the publish's when filled again.
    updatedAt: formatDateTime(now, f.timeZone),
    eta: eta ?? (f.eta ? etaStated(f.eta, now, f.timeZone) : 'not known yet'),
    duration: formatDuration(Math.max(0, Math.round((Date.parse(ended) - Date.parse(started)) / 60_000))),
    resolvedAt: formatDateTime(ended, f.timeZone),
    othersOpen: f.othersOpen === true,
  }).trim();
}

/** The template of a status, filled in. */
export function updateTemplate(name: TemplateName, f: TemplateFacts): string {
  const names = joinNames(f.components.map(markdownLiteral));
  return fill(name, f, names || 'our services', names || 'being assessed');
}

/** The maintenance template states no cadence, times or estimate. */
const MAINTENANCE_FACTS = { level: null, startedAt: null, eta: null, now: new Date(0), timeZone: 'UTC' } as const;

/** The maintenance template for these components. */
export const maintenanceTemplate = (components: string[]): string => updateTemplate('maintenance', { ...MAINTENANCE_FACTS, components });

/** The same with the component names left as tokens, for the console's script to fill as components are chosen. */
export function clientTemplate(name: TemplateName, f: Omit<TemplateFacts, 'components'>): string {
  return fill(name, f, TOKENS.components, TOKENS.affected, TOKENS.eta);
}

/**
 * Each component's name by id as the templates write it, for the console's script to fill the tokens with: as
 * the page names it (customerNames), with its group when another component shares its name.
 */
export function templateNames(db: Pick<Db, 'components' | 'groups'>): Record<string, string> {
  const names = customerNames(db, db.components);
  return Object.fromEntries(db.components.map((c, i) => [c.id, markdownLiteral(names[i]!)]));
}

/** The maintenance template with its components left as tokens, for the browser to fill. */
export const maintenanceClientTemplate = (): string => clientTemplate('maintenance', MAINTENANCE_FACTS);
