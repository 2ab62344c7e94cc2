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
  /** With `publish`: email the incident's subscribers that it is out (off by default; at most once ever). */
  notify?: boolean;
  /**
   * The postmortem's `updated_at` as the form or the API's ETag showed it (null: none saved yet); omitted, not
   * checked. A save made since refuses this one (Conflict `postmortem_changed`) rather than write over text its
   * author never saw.
   */
  seen?: string | null;
  /** The console's "Save draft": refused on a published postmortem, where a save would change the page at once. */
  draft?: boolean;
}

/**
 * A template's blank: `[fill in: what to write]`. The postmortem template is
 * full of them; one left in a published postmortem would show customers the
 * instructions instead of the answer.
 */
const PLACEHOLDER = /\[fill in:[^\]]*\]/gi;

/** The sections (their headings) that still hold a template blank, in order. */
export function unfilledSections(body: string): string[] {
  const headings = [...body.matchAll(/^#{1,6}[ \t]+(.*\S)[ \t]*$/gm)].map((h) => ({ at: h.index, name: h[1]! }));
  const sections: string[] = [];
  // Over the whole text, not line by line: a blank the author broke over two lines (Enter inside it) is one too.
  for (const blank of body.matchAll(PLACEHOLDER)) {
    const heading = headings.findLast((h) => h.at < blank.index)?.name ?? 'the introduction';
    if (!sections.includes(heading)) sections.push(heading);
  }
  return sections;
}

/**
 * Saves an incident's postmortem (a draft until published; a save of a
 * published one changes what the page shows). Publishing needs
 * a resolved incident and a text with no template blank left, and moves its
 * status to `postmortem`; withdrawing moves it back to `resolved`. The
 * Markdown is rendered (and sanitized) once, here. It emails subscribers only
 * when the Comms Lead asks on a publication, and at most once ever: a
 * publication after a withdraw emails only if none was asked for before.
 */
export function savePostmortem(ctx: VerbContext, incidentId: string, input: PostmortemInput): Incident {
  const incident = findIncident(ctx, incidentId);
  const body = input.body ?? incident.postmortem?.body;
  if (body === undefined) throw new Invalid('body is required for a new postmortem.', 'body');
  const stored = incident.postmortem;
  if (input.seen !== undefined && (stored?.updated_at ?? null) !== input.seen) {
    // The same save arriving again (a retry, Back and resubmit) finds its own result: nothing to refuse or write.
    const published = stored?.published_at != null;
    if (stored?.body === body && published === (input.publish ?? (input.draft ? false : published))) return incident;
    throw new Conflict(
      `Since you opened this form, this postmortem was saved from another tab or by someone else; it is ${published ? 'published' : 'not published'}.`,
      'postmortem_changed',
      'body',
    );
  }
  if (input.draft && stored?.published_at) {
    throw new Conflict(
      'This postmortem is published: a save would change the page at once. Withdraw it to keep a draft, or save it and keep it published.',
      'postmortem_published',
      'body',
    );
  }
  const resolved = incident.status === 'resolved' || incident.status === 'postmortem';
  if (input.publish === true && !resolved) {
    throw new Conflict(`${incident.id} is not resolved yet; publish its postmortem once it is.`, 'incident_open', 'publish');
  }
  const now = ctx.now.toISOString();
  const previous = incident.postmortem;
  let publishedAt = previous?.published_at ?? null;
  if (input.publish === true) publishedAt ??= now;
  if (input.publish === false) publishedAt = null;
  // Any save that leaves it published is read by customers at once, a plain save of a published one included.
  if (publishedAt !== null) {
    const blanks = unfilledSections(body);
    if (blanks.length) {
      const what = input.publish === true ? 'publishing' : 'saving a published postmortem (withdraw it to keep a draft)';
      throw new Invalid(`Fill in the template's blanks before ${what} (in ${blanks.join(', ')}).`, 'body', 'placeholders');
    }
  }
  incident.postmortem = {
    body,
    body_html: previous && previous.body === body ? previous.body_html : ctx.markdown(body),
    updated_at: now,
    published_at: publishedAt,
    // Emailed at most once: asked for on a first publication, kept thereafter.
    notify: previous?.notify === true || (input.publish === true && !previous?.published_at && input.notify === true),
  };
  if (publishedAt && resolved) incident.status = 'postmortem';
  else if (!publishedAt && incident.status === 'postmortem') incident.status = 'resolved';
  // The incident's last change is public (the page's and the v2 API's "updated", the feeds'): moved by what
  // customers see change, a publication, a withdrawal (the page loses it, the status goes back to resolved) or
  // a save of a published one, never by a draft's save, which changes nothing they see.
  const wasPublished = (previous?.published_at ?? null) !== null;
  if (wasPublished !== (publishedAt !== null) || (publishedAt !== null && previous?.body !== body)) incident.updated_at = now;
  recordAudit(ctx, 'incident.postmortem', incident.id, {
    previous: previous ? { body: previous.body, published_at: previous.published_at } : null,
    detail: { published: publishedAt !== null },
  });
  return incident;
}
