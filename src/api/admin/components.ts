import { Hono } from 'hono';
import type { Herald } from '../../herald.ts';
import type { AdminEnv } from './auth.ts';
import { createComponent, deleteComponent, editComponent, findComponent } from '../../domain/components/manage.ts';
import { readJson } from '../read-json.ts';
import { respondOnce } from '../idempotency.ts';
import { componentCreateSchema, componentPatchSchema, groupPatchSchema } from '../../input/schemas.ts';
import { editGroup } from '../../domain/components/groups.ts';

/** Components and their groups: list, create, read, edit, delete (`?force=true` for one past incidents name); a group's name and place. */
export function componentsApi(herald: Herald) {
  const app = new Hono<AdminEnv>();
  const db = () => herald.store.data;

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

  // A group comes with the first component that names it; renamed or put in its place on the page here.
  app.patch('/groups/:id', async (c) => {
    const patch = await readJson(c, groupPatchSchema);
    return respondOnce(c, herald, c.get('actor'), 200, (ctx) => editGroup(ctx, c.req.param('id'), patch));
  });

  app.delete('/components/:id', async (c) => {
    const force = c.req.query('force') === 'true';
    return respondOnce(c, herald, c.get('actor'), 204, (ctx) => deleteComponent(ctx, c.req.param('id'), force));
  });

  return app;
}
