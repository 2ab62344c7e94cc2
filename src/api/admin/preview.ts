import { Hono } from 'hono';
import { z } from 'zod';
import type { Herald } from '../../herald.ts';
import type { AdminEnv } from './auth.ts';
import { findIncident } from '../../domain/incidents/lifecycle.ts';
import { readJson } from '../read-json.ts';
import { parseInput } from '../../input/parse.ts';
import { incidentCreateSchema, updateCreateSchema } from '../../input/schemas.ts';
import { dryRun, previewBanner, previewEmail, type DraftAction } from '../../publish/preview.ts';
import { adminEventJson } from './shape.ts';

const updatePreviewSchema = updateCreateSchema.extend({ incident_id: z.string().min(1).max(100) });

/**
 * `POST /preview` (docs/design.md): what a declare or an update would
 * publish, without publishing it. The body is the one of `POST /incidents`
 * (declare) or of `POST /incidents/:id/updates` plus `incident_id` (update).
 * The same dry run as the console's preview: the real verb on a copy of the
 * data, the outbox's email renderer, the banner.
 */
export function previewApi(herald: Herald) {
  const app = new Hono<AdminEnv>();
  app.post('/preview', async (c) => {
    const body = await readJson(c, z.record(z.string(), z.unknown()));
    let action: DraftAction;
    if ('incident_id' in body) {
      const { incident_id, ...input } = parseInput(updatePreviewSchema, body);
      // Looked up here to name the field it was given in.
      findIncident({ db: herald.store.data }, incident_id, 'incident_id');
      action = { kind: 'update', incidentId: incident_id, input };
    } else {
      action = { kind: 'declare', input: parseInput(incidentCreateSchema, body) };
    }
    const draft = dryRun(herald, c.get('actor'), action);
    const email = await previewEmail(herald, draft);
    return c.json({
      incident: adminEventJson(draft.incident, draft.db, herald.config),
      update: {
        id: draft.update.id,
        status: draft.update.status,
        body: draft.update.body,
        body_html: draft.update.body_html,
        notify: draft.update.notify,
      },
      email: email && { kind: draft.noticeKind, recipients: email.recipients, ...email.mail },
      // No email at publish, but the level's disruption notice falls due then, if the incident is still open.
      late_notice_at: draft.lateNoticeAt,
      banner: previewBanner(herald, draft),
    });
  });
  return app;
}
