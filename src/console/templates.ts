import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { templatePath } from '../paths.ts';
import type { Impact } from '../domain/status.ts';
import { UPDATE_CADENCE_MINUTES } from '../domain/policy.ts';

/** The runbook update templates in templates/updates/ (docs/design.md "Runbook policy"). */
export const TEMPLATE_NAMES = ['investigating', 'identified', 'monitoring', 'resolved', 'maintenance'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

let compiled: Map<TemplateName, HandlebarsTemplateDelegate> | null = null;

function load(): Map<TemplateName, HandlebarsTemplateDelegate> {
  if (compiled) return compiled;
  const dir = templatePath('updates');
  const map = new Map<TemplateName, HandlebarsTemplateDelegate>();
  // Markdown, not HTML: no HTML escaping here; the result is edited by the
  // Comms Lead and then goes through the one sanitizing Markdown renderer.
  for (const name of TEMPLATE_NAMES) {
    map.set(name, Handlebars.compile(readFileSync(join(dir, `${name}.md.hbs`), 'utf8'), { noEscape: true, strict: false }));
  }
  compiled = map;
  return map;
}

/** "API", "API and Dashboard", "API, Dashboard and Webhooks". */
export function joinNames(names: string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

function humanMinutes(minutes: number): string {
  if (minutes % 60 === 0) return minutes === 60 ? '1 hour' : `${minutes / 60} hours`;
  return `${minutes} minutes`;
}

/**
 * The prefilled text of an update: the runbook template of that status with
 * the incident's component names and the runbook cadence filled in.
 */
export function updateTemplate(name: TemplateName, data: { components: string[]; impact?: Impact | 'maintenance' }): string {
  const cadence = data.impact && data.impact !== 'maintenance' ? UPDATE_CADENCE_MINUTES[data.impact] : null;
  return load().get(name)!({
    components: joinNames(data.components),
    plural: data.components.length > 1,
    nextUpdateIn: cadence ? humanMinutes(cadence) : null,
  }).trim();
}
