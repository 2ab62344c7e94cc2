import type { VerbContext } from '../context.ts';
import type { Update } from '../model.ts';
import { Conflict, NotFound } from '../errors.ts';
import { recordAudit } from '../audit.ts';
import { findEvent } from '../model.ts';

/**
 * Corrects the text of a published update (a typo, a wrong figure). The page
 * shows it as edited; the previous text is kept in the audit log. A
 * correction never notifies anyone. `seenEditedAt`: the update's `edited_at`
 * as the form showed it (null: never corrected); a correction made since
 * refuses this one (Conflict) rather than writing over text its author never saw.
 */
export function correctUpdate(ctx: VerbContext, incidentId: string, updateId: string, body: string, seenEditedAt?: string | null): Update {
  const incident = findEvent(ctx.db, incidentId);
  if (!incident) throw new NotFound(`No incident with id "${incidentId}".`, 'id');
  const update = (incident.updates as Update[]).find((u) => u.id === updateId);
  if (!update) throw new NotFound(`Incident ${incidentId} has no update "${updateId}".`, 'updateId');
  const previous = update.body;
  // The text it has already (this form saved twice, or the same fix made elsewhere): nothing to refuse or write.
  if (previous === body) return update;
  if (seenEditedAt !== undefined && update.edited_at !== seenEditedAt) {
    throw new Conflict('Since you opened this form, this update was corrected.', 'corrected_since', 'body');
  }
  const now = ctx.now.toISOString();
  update.body = body;
  update.body_html = ctx.markdown(body);
  update.edited_at = now;
  update.updated_at = now;
  incident.updated_at = now;
  recordAudit(ctx, 'incident.update.correct', `${incident.id}/${update.id}`, { previous });
  return update;
}
