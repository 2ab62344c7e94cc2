import type { VerbContext } from '../context.ts';
import type { IncidentUpdate } from '../model.ts';
import { NotFound } from '../errors.ts';
import { recordAudit } from '../audit.ts';
import { renderMarkdown } from '../../render/markdown.ts';
import { findIncident } from './lifecycle.ts';

/**
 * Corrects the text of a published update (a typo, a wrong figure). The page
 * shows it as edited; the previous text is kept in the audit log. A
 * correction never notifies anyone.
 */
export function correctUpdate(ctx: VerbContext, incidentId: string, updateId: string, body: string): IncidentUpdate {
  const incident = findIncident(ctx, incidentId);
  const update = incident.updates.find((u) => u.id === updateId);
  if (!update) throw new NotFound(`Incident ${incidentId} has no update "${updateId}".`, 'updateId');
  const previous = update.body;
  if (previous === body) return update;
  const now = ctx.now.toISOString();
  update.body = body;
  update.body_html = renderMarkdown(body);
  update.edited_at = now;
  update.updated_at = now;
  incident.updated_at = now;
  recordAudit(ctx, 'incident.update.correct', `${incident.id}/${update.id}`, { previous });
  return update;
}
