import type { VerbContext } from '../context.ts';
import type { Incident } from '../model.ts';
import { Conflict, Invalid } from '../errors.ts';
import { recordAudit } from '../audit.ts';
import { findIncident } from './lifecycle.ts';

export interface PostmortemInput {
  /** Markdown; omitted to keep the saved text (e.g. to publish a draft as it is). */
  body?: string;
  /** true publishes (status `postmortem`), false withdraws it to a draft, omitted keeps the state. */
  publish?: boolean;
}

/**
 * Saves an incident's postmortem (a draft until published). Publishing needs
 * a resolved incident and moves its status to `postmortem`; withdrawing moves
 * it back to `resolved`. The Markdown is rendered (and sanitized) once, here.
 * Saving never notifies: the postmortem is read on the incident page.
 */
export function savePostmortem(ctx: VerbContext, incidentId: string, input: PostmortemInput): Incident {
  const incident = findIncident(ctx, incidentId);
  const body = input.body ?? incident.postmortem?.body;
  if (body === undefined) throw new Invalid('body is required for a new postmortem.', 'body');
  const resolved = incident.status === 'resolved' || incident.status === 'postmortem';
  if (input.publish === true && !resolved) {
    throw new Conflict(`${incident.id} is not resolved yet; publish its postmortem once it is.`, 'incident_open', 'publish');
  }
  const now = ctx.now.toISOString();
  const previous = incident.postmortem;
  let publishedAt = previous?.published_at ?? null;
  if (input.publish === true) publishedAt ??= now;
  if (input.publish === false) publishedAt = null;
  incident.postmortem = {
    body,
    body_html: previous && previous.body === body ? previous.body_html : ctx.markdown(body),
    updated_at: now,
    published_at: publishedAt,
  };
  if (publishedAt && resolved) incident.status = 'postmortem';
  else if (!publishedAt && incident.status === 'postmortem') incident.status = 'resolved';
  incident.updated_at = now;
  recordAudit(ctx, 'incident.postmortem', incident.id, {
    previous: previous ? { body: previous.body, published_at: previous.published_at } : null,
    detail: { published: publishedAt !== null },
  });
  return incident;
}
