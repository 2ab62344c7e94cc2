import { Hono, type Context } from 'hono';
import type { Herald } from '../../herald.ts';
import type { VerbContext } from '../../domain/context.ts';
import type { AdminEnv } from './auth.ts';
import { readJson } from '../read-json.ts';
import { respondOnceWithEvent } from '../idempotency.ts';
import { adminEventJson } from './shape.ts';
import { pageQuery } from './paging.ts';
import {
  maintenanceCreateSchema,
  maintenanceNoteSchema,
  maintenanceRescheduleSchema,
  maintenanceStepSchema,
  nameCorrectSchema,
} from '../../input/schemas.ts';
import { correctName } from '../../domain/incidents/correct-name.ts';
import { scheduleMaintenance } from '../../domain/maintenance/schedule.ts';
import { rescheduleMaintenance } from '../../domain/maintenance/reschedule.ts';
import { MAINTENANCE_STEPS, noteMaintenance } from '../../domain/maintenance/transitions.ts';
import { findMaintenance } from '../../domain/maintenance/rules.ts';
import { maintenancesNewestFirst } from '../../read/statuspage.ts';

/**
 * Scheduled maintenance:
 *
 *   GET  /maintenances                    ?page=&per_page= (100, at most 500): windows, latest scheduled start first,
 *                                         {scheduled_maintenances, total, page, per_page}
 *   POST /maintenances                    schedule  {name, scheduled_for, scheduled_until, components, body?, notify?, auto_transitions?}
 *   GET  /maintenances/:id
 *   PATCH /maintenances/:id               {name}   a correction of its name (audited; never emails)
 *   POST /maintenances/:id/start          {body?, notify?}   early start by hand
 *   POST /maintenances/:id/verify         {body?, notify?}   stops automatic completion
 *   POST /maintenances/:id/complete       {body?, notify?}   early (or post-verification) completion
 *   POST /maintenances/:id/cancel         {body?, notify?}   only before the start
 *   POST /maintenances/:id/reschedule     {scheduled_for?, scheduled_until?, body?, notify?}
 *   POST /maintenances/:id/updates        {body, notify?}    a note; the status does not move
 *
 * Every change answers 201 (steps, notes) or 200 with the record in the admin shape.
 */
export function maintenanceApi(herald: Herald) {
  const app = new Hono<AdminEnv>();
  const site = herald.config;
  const tz = herald.config.SITE_TIMEZONE;
  const db = () => herald.store.data;
  const change = (c: Context<AdminEnv>, status: 200 | 201, verb: (ctx: VerbContext) => { id: string }) =>
    respondOnceWithEvent(c, herald, c.get('actor'), status, (ctx) => findMaintenance(ctx, verb(ctx).id));

  app.get('/maintenances', (c) => {
    const { page, perPage } = pageQuery((name) => c.req.query(name), 100);
    const all = maintenancesNewestFirst(db().maintenances);
    const shown = all.slice((page - 1) * perPage, page * perPage);
    return c.json({ scheduled_maintenances: shown.map((m) => adminEventJson(m, db(), site)), total: all.length, page, per_page: perPage });
  });

  app.post('/maintenances', async (c) => {
    const input = await readJson(c, maintenanceCreateSchema);
    return change(c, 201, (ctx) => scheduleMaintenance(ctx, { ...input, timeZone: tz }));
  });

  app.get('/maintenances/:id', (c) => c.json(adminEventJson(findMaintenance({ db: db() }, c.req.param('id')), db(), site)));

  app.patch('/maintenances/:id', async (c) => {
    const { name } = await readJson(c, nameCorrectSchema);
    return change(c, 200, (ctx) => correctName(ctx, findMaintenance(ctx, c.req.param('id')), name));
  });

  app.post('/maintenances/:id/reschedule', async (c) => {
    const input = await readJson(c, maintenanceRescheduleSchema);
    return change(c, 200, (ctx) => rescheduleMaintenance(ctx, c.req.param('id'), { ...input, timeZone: tz }).maintenance);
  });

  app.post('/maintenances/:id/updates', async (c) => {
    const input = await readJson(c, maintenanceNoteSchema);
    return change(c, 201, (ctx) => noteMaintenance(ctx, c.req.param('id'), input).maintenance);
  });

  app.post('/maintenances/:id/:step{start|verify|complete|cancel}', async (c) => {
    const step = MAINTENANCE_STEPS[c.req.param('step') as keyof typeof MAINTENANCE_STEPS];
    // Steps take an optional body: an empty request body means "use the defaults".
    const input = (await c.req.text()).trim() === '' ? {} : await readJson(c, maintenanceStepSchema);
    return change(c, 201, (ctx) => step(ctx, c.req.param('id'), input).maintenance);
  });

  return app;
}
