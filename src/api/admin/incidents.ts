import { Hono } from 'hono';
import type { Herald } from '../../herald.ts';
import type { AdminEnv } from './auth.ts';
import { declareIncident } from '../../domain/incidents/declare.ts';
import { postUpdate } from '../../domain/incidents/post-update.ts';
import { correctUpdate } from '../../domain/incidents/correct-update.ts';
import { correctName } from '../../domain/incidents/correct-name.ts';
import { withdrawIncident } from '../../domain/incidents/withdraw.ts';
import { findIncident } from '../../domain/incidents/lifecycle.ts';
import { savePostmortem, unfilledSections } from '../../domain/incidents/postmortem.ts';
import { renderMarkdown } from '../../render/markdown.ts';
import { newestFirst } from '../../domain/overall.ts';
import { findEvent, type Incident } from '../../domain/model.ts';
import { Conflict, NotFound, Stale } from '../../domain/errors.ts';
import { postmortemDraft } from '../../render/postmortem-template.ts';
import { readJson } from '../read-json.ts';
import { incidentCreateSchema, nameCorrectSchema, postmortemSchema, updateCorrectSchema, updateCreateSchema } from '../../input/schemas.ts';
import { respondOnce, respondOnceWithEvent } from '../idempotency.ts';
import { ifMatch, withETag } from '../if-match.ts';
import { adminEventJson } from './shape.ts';
import { pageQuery } from './paging.ts';

/**
 * Incidents (docs/design.md "Admin JSON"): declare, post updates, correct an
 * update's text (a window's too) or an incident's name, withdraw an incident
 * published in error, postmortems. Handlers parse input, call a
 * domain verb through `herald.run` (one durable write) and shape the answer.
 */
export function incidentsApi(herald: Herald) {
  const app = new Hono<AdminEnv>();
  const db = () => herald.store.data;
  const site = herald.config;
  const tz = herald.config.SITE_TIMEZONE;

  // Newest first, a page at a time: every incident with every update at once is megabytes on a site of some years.
  app.get('/incidents', (c) => {
    const { page, perPage } = pageQuery((name) => c.req.query(name), 100);
    const all = newestFirst(db().incidents);
    const shown = all.slice((page - 1) * perPage, page * perPage);
    return c.json({ incidents: shown.map((i) => adminEventJson(i, db(), site)), total: all.length, page, per_page: perPage });
  });

  app.get('/incidents/:id', (c) => {
    const e = findEvent(db(), c.req.param('id'));
    if (!e) throw new NotFound(`No incident with id "${c.req.param('id')}".`, 'id');
    return c.json(adminEventJson(e, db(), site));
  });

  app.post('/incidents', async (c) => {
    const input = await readJson(c, incidentCreateSchema);
    return respondOnceWithEvent(c, herald, c.get('actor'), 201, (ctx) => declareIncident(ctx, input));
  });

  app.post('/incidents/:id/updates', async (c) => {
    const input = await readJson(c, updateCreateSchema);
    return respondOnceWithEvent(c, herald, c.get('actor'), 201, (ctx) => postUpdate(ctx, c.req.param('id'), input).incident);
  });

  // A correction of the name (audited with the previous one; never emails).
  app.patch('/incidents/:id', async (c) => {
    const { name } = await readJson(c, nameCorrectSchema);
    return respondOnceWithEvent(c, herald, c.get('actor'), 200, (ctx) => correctName(ctx, findIncident(ctx, c.req.param('id')), name));
  });

  // Withdraws an incident published in error (see withdrawIncident): 204, again for one already withdrawn.
  app.delete('/incidents/:id', (c) =>
    respondOnce(c, herald, c.get('actor'), 204, (ctx) => {
      withdrawIncident(ctx, c.req.param('id'));
    }),
  );

  app.patch('/incidents/:id/updates/:updateId', async (c) => {
    const { body } = await readJson(c, updateCorrectSchema);
    const id = c.req.param('id');
    return respondOnceWithEvent(c, herald, c.get('actor'), 200, (ctx) => {
      correctUpdate(ctx, id, c.req.param('updateId'), body);
      return findEvent(ctx.db, id)!;
    });
  });

  // The postmortem's version, as the console's form keeps it (its updated_at; none before the first save).
  const postmortemTag = (incident: Pick<Incident, 'postmortem'>) => `"${incident.postmortem?.updated_at ?? 'none'}"`;
  app.get('/incidents/:id/postmortem', (c) => {
    const incident = findIncident({ db: db() }, c.req.param('id'));
    c.header('ETag', postmortemTag(incident));
    return c.json({ postmortem: incident.postmortem, template: postmortemDraft(incident, db(), tz, herald.now()) });
  });

  // What publishing this text would show, and the template blanks it still has (publishing refuses those).
  app.post('/incidents/:id/postmortem/preview', async (c) => {
    const input = await readJson(c, postmortemSchema);
    const incident = findIncident({ db: db() }, c.req.param('id'));
    const body = input.body ?? incident.postmortem?.body ?? postmortemDraft(incident, db(), tz, herald.now());
    return c.json({ body, body_html: renderMarkdown(body), unfilled_sections: unfilledSections(body) });
  });

  // GET's ETag sent back as If-Match refuses (412) a save over one made since, as the console's form does.
  app.put('/incidents/:id/postmortem', async (c) => {
    const expected = ifMatch(c.req.header('if-match'), `GET /api/admin/incidents/${c.req.param('id')}/postmortem`);
    const input = await readJson(c, postmortemSchema);
    const id = c.req.param('id');
    const res = await respondOnceWithEvent(c, herald, c.get('actor'), 200, (ctx) => {
      const incident = findIncident(ctx, id);
      // A first save without a body starts from the runbook template.
      const body = input.body ?? (incident.postmortem ? undefined : postmortemDraft(incident, ctx.db, tz, ctx.now));
      const current = postmortemTag(incident).slice(1, -1);
      const tag = expected === undefined ? undefined : expected.includes(current) ? current : expected[0]!;
      const seen = tag === undefined ? undefined : tag === 'none' ? null : tag;
      try {
        return savePostmortem(ctx, id, { body, publish: input.publish, notify: input.notify, seen });
      } catch (err) {
        // Over HTTP a version sent as If-Match that is no longer current is 412, as for the settings.
        if (err instanceof Conflict && err.code === 'postmortem_changed')
          throw new Stale(
            'This postmortem was saved by someone else since the version sent as If-Match; nothing was saved. Read it again and make your change there.',
            'If-Match',
          );
        throw err;
      }
    });
    return res.ok ? withETag(res, postmortemTag) : res;
  });

  return app;
}
