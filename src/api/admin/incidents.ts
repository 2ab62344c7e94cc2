import { Hono } from 'hono';
import type { Herald } from '../herald.ts';
import { requireAdmin, type AdminEnv } from './auth.ts';
import { createComponent, deleteComponent, editComponent, findComponent } from '../domain/components/manage.ts';
import { declareIncident } from '../domain/incidents/declare.ts';
import { postUpdate } from '../domain/incidents/post-update.ts';
import { correctUpdate } from '../domain/incidents/correct-update.ts';
import { findIncident } from '../domain/incidents/lifecycle.ts';
import { newestFirst } from '../domain/overall.ts';
import { readJson } from './http.ts';
import { componentCreateSchema, componentPatchSchema, incidentCreateSchema, updateCorrectSchema, updateCreateSchema } from './schemas.ts';
import { adminIncidentJson } from './serialize.ts';
import { respondOnce } from './idempotency.ts';

/**
 * The admin JSON API (docs/design.md "Admin JSON"). Handlers parse input, call a
 * domain verb through `herald.run` (one durable write) and shape the answer.
 */
export function adminApi(herald: Herald) {
  const app = new Hono<AdminEnv>();

  app.use('*', requireAdmin(herald));

  const db = () => herald.store.data;
  const site = herald.config.SITE_URL;

  app.get('/components', (c) => c.json({ components: db().components, groups: db().groups }));

  app.post('/components', async (c) => {
    const input = await readJson(c, componentCreateSchema);
    return respondOnce(c, herald, c.get('actor'), 201, (ctx) => createComponent(ctx, input));
  });

  app.get('/components/:id', (c) => c.json(findComponent(db(), c.req.param('id'))));

  app.patch('/components/:id', async (c) => {
    const patch = await readJson(c, componentPatchSchema);
    return respondOnce(c, herald, c.get('actor'), 200, (ctx) => editComponent(ctx, c.req.param('id'), patch));
  });

  app.delete('/components/:id', async (c) => {
    const force = c.req.query('force') === 'true';
    await herald.run(c.get('actor'), (ctx) => deleteComponent(ctx, c.req.param('id'), force));
    return c.body(null, 204);
  });

  app.get('/incidents', (c) =>
    c.json({ incidents: newestFirst(db().incidents).map((i) => adminIncidentJson(i, db(), site)) }),
  );

  app.get('/incidents/:id', (c) => {
    const incident = findIncident({ db: db(), now: herald.now(), actor: '' }, c.req.param('id'));
    return c.json(adminIncidentJson(incident, db(), site));
  });

  app.post('/incidents', async (c) => {
    const input = await readJson(c, incidentCreateSchema);
    return respondOnce(c, herald, c.get('actor'), 201, (ctx) => adminIncidentJson(declareIncident(ctx, input), ctx.db, site));
  });

  app.post('/incidents/:id/updates', async (c) => {
    const input = await readJson(c, updateCreateSchema);
    return respondOnce(c, herald, c.get('actor'), 201, (ctx) =>
      adminIncidentJson(postUpdate(ctx, c.req.param('id'), input).incident, ctx.db, site),
    );
  });

  app.patch('/incidents/:id/updates/:updateId', async (c) => {
    const { body } = await readJson(c, updateCorrectSchema);
    const id = c.req.param('id');
    return respondOnce(c, herald, c.get('actor'), 200, (ctx) => {
      correctUpdate(ctx, id, c.req.param('updateId'), body);
      return adminIncidentJson(findIncident(ctx, id), ctx.db, site);
    });
  });

  app.get('/audit', (c) => {
    const limit = Math.min(500, Math.max(1, Number(c.req.query('limit') ?? 100) || 100));
    return c.json({ events: db().audit.slice(-limit).reverse() });
  });

  return app;
}
