import type { VerbContext } from '../context.ts';
import type { EventRecord } from '../model.ts';
import { Conflict } from '../errors.ts';
import { recordAudit } from '../audit.ts';

/**
 * Corrects the name of an incident or a maintenance window (a typo in the page heading, the banner's
 * title, the feeds' entry and every email's subject). What was sent stays as it was sent: the
 * correction emails and posts nothing, and the audit log keeps the previous name. A window's calendar
 * event is raised a SEQUENCE, so calendars that imported it take the new name. `seenName`: the name
 * as the form showed it; another correction made since refuses this one (Conflict) rather than
 * writing over a name its author never saw.
 */
export function correctName(ctx: VerbContext, record: EventRecord, name: string, seenName?: string): EventRecord {
  const previous = record.name;
  // The name it has already (this form saved twice, or the same fix made elsewhere): nothing to refuse or write.
  if (previous === name) return record;
  if (seenName !== undefined && previous !== seenName) {
    throw new Conflict(`Since you opened this form, the name was corrected to “${previous}”.`, 'renamed_since', 'name');
  }
  const now = ctx.now.toISOString();
  record.name = name;
  record.updated_at = now;
  if (record.kind === 'maintenance') record.sequence += 1;
  recordAudit(ctx, `${record.kind}.name.correct`, record.id, { previous, detail: { name } });
  return record;
}
