import type { VerbContext } from './context.ts';
import type { Settings } from './settings.ts';
import { recordAudit } from './audit.ts';

/**
 * Replaces the settings (already validated against settingsSchema). Audited
 * with the previous value. Incidents keep the level they were declared with:
 * a level renamed or removed here changes no incident's label.
 */
export function updateSettings(ctx: VerbContext, next: Settings): Settings {
  const previous = ctx.db.settings;
  ctx.db.settings = structuredClone(next);
  recordAudit(ctx, 'settings.update', 'settings', { previous });
  return ctx.db.settings;
}
