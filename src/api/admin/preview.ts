import { Hono } from 'hono';
import { z } from 'zod';
import type { Herald } from '../herald.ts';
import { requireAdmin, type AdminEnv } from './auth.ts';
import { readJson } from './http.ts';
import { Invalid } from '../domain/errors.ts';
import { incidentCreateSchema, updateCreateSchema } from './schemas.ts';
import { adminIncidentJson } from './serialize.ts';
import { dryRun, previewBanner, previewEmail } from '../console/preview.ts';
import type { DraftAction } from '../console/drafts.ts';

const updatePreviewSchema = updateCreateSchema.extend({ incident_id: z.string().min(1).max(100) });

/** Validates with the schema of the request's kind, with readJson's field-naming errors. */
function parseAs<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  let field = issue.path.join('.');
  if (issue.code === 'unrecognized_keys') field = [field, issue.keys[0]].filter(Boolean).join('.');
  throw new Invalid(issue.message, field || undefined);
}

/**
 * `POST /api/admin/preview` (docs/design.md): what a declare or an update would
 * publish, without publishing it. The body is the one of
 * `POST /incidents` (declare) or of `POST /incidents/:id/updates` plus
 * `incident_id` (update). The same dry run as the console's preview: the
 * real verb on a copy of the data, the outbox's email renderer, the banner.
 */
export function adminPreviewApi(herald: Herald) {
  const app = new Hono<AdminEnv>();
  app.use('/preview', requireAdmin(herald));
  app.post('/preview', async (c) => {
    const body = await readJson(c, z.record(z.string(), z.unknown()));
    let action: DraftAction;
    if ('incident_id' in body) {
      const { incident_id, ...input } = parseAs(updatePreviewSchema, body);
      action = { kind: 'update', incidentId: incident_id, input };
    } else {
      action = { kind: 'declare', input: parseAs(incidentCreateSchema, body) };
    }
    const draft = dryRun(herald, c.get('actor'), action);
    const email = previewEmail(herald, draft);
    return c.json({
      incident: adminIncidentJson(draft.incident, draft.db, herald.config.SITE_URL),
      update: { id: draft.update.id, status: draft.update.status, body: draft.update.body, body_html: draft.update.body_html, notify: draft.update.notify },
      email: email && { kind: draft.noticeKind, recipients: email.recipients, ...email.mail },
      banner: previewBanner(herald, draft),
    });
  });
  return app;
}
