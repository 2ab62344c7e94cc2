import type { VerbContext } from './context.ts';
import type { Settings } from './settings.ts';
import { recordAudit } from './audit.ts';
import { settingsChanges } from './audit-changes.ts';

/**
 * Replaces the settings (already validated against settingsSchema). Audited
 * with what changed, before and after (the detail), and the whole previous document, which a form refused
 * as stale reads back to list what its editor changed (src/console/actions/settings.ts). Incidents keep the level they were declared with:
 * a level renamed or removed here changes no incident's label.
 */
export function updateSettings(ctx: VerbContext, next: Settings): Settings {
  const previous = ctx.db.settings;
  ctx.db.settings = structuredClone(next);
  recordAudit(ctx, 'settings.update', 'settings', { previous, detail: settingsChanges(previous, ctx.db.settings) });
  return ctx.db.settings;
}
