import { Hono, type Context } from 'hono';
import type { Herald } from '../herald.ts';
import type { VerbContext } from '../domain/context.ts';
import type { Db, Incident } from '../domain/model.ts';
import { requireAdmin, type AdminEnv } from './auth.ts';
import { readJson } from './http.ts';
import { respondOnce } from './idempotency.ts';
import { adminIncidentJson } from './serialize.ts';
import {
  maintenanceCreateSchema,
  maintenanceNoteSchema,
  maintenanceRescheduleSchema,
  maintenanceStepSchema,
  postmortemSchema,
} from './maintenance-schemas.ts';
import { scheduleMaintenance } from '../domain/maintenance/schedule.ts';
import { rescheduleMaintenance } from '../domain/maintenance/reschedule.ts';
import {
  cancelMaintenance,
  completeMaintenance,
  noteMaintenance,
  startMaintenance,
  verifyMaintenance,
  type StepInput,
  type StepResult,
} from '../domain/maintenance/transitions.ts';
import { findMaintenance, isMaintenanceRecord } from '../domain/maintenance/rules.ts';
import { findIncident } from '../domain/incidents/lifecycle.ts';
import { savePostmortem } from '../domain/incidents/postmortem.ts';
import { postmortemDraft } from '../render/postmortem-template.ts';

type Step = (ctx: VerbContext, id: string, input: StepInput) => StepResult;
const STEPS: Record<string, Step> = {
  start: startMaintenance,
  verify: verifyMaintenance,
  complete: completeMaintenance,
  cancel: cancelMaintenance,
};

/**
 * Admin JSON for scheduled maintenance and postmortems, mounted at /api/admin:
 *
 *   GET  /maintenances                    all windows, latest scheduled start first
 *   POST /maintenances                    schedule  {name, scheduled_for, scheduled_until, components, body?, notify?, auto_transitions?}
 *   GET  /maintenances/:id
 *   POST /maintenances/:id/start          {body?, notify?}   early start by hand
 *   POST /maintenances/:id/verify         {body?, notify?}   stops automatic completion
 *   POST /maintenances/:id/complete       {body?, notify?}   early (or post-verification) completion
 *   POST /maintenances/:id/cancel         {body?, notify?}   only before the start
 *   POST /maintenances/:id/reschedule     {scheduled_for?, scheduled_until?, body?, notify?}
 *   POST /maintenances/:id/updates        {body, notify?}    a note; the status does not move
 *   GET  /incidents/:id/postmortem        the saved postmortem and a draft from the template
 *   PUT  /incidents/:id/postmortem        {body?, publish?}
 *
 * Every change answers 201 (steps, notes) or 200 with the record in the admin shape.
 */
export function maintenanceAdminApi(herald: Herald) {
  const app = new Hono<AdminEnv>();
  app.use('/maintenances/*', requireAdmin(herald));
  app.use('/maintenances', requireAdmin(herald));
  app.use('/incidents/:id/postmortem', requireAdmin(herald));

  const site = herald.config.SITE_URL;
  const tz = herald.config.SITE_TIMEZONE;
  const db = () => herald.store.data;
  const change = (c: Context<AdminEnv>, status: 200 | 201, verb: (ctx: VerbContext) => { id: string }) =>
    respondOnce(c, herald, c.get('actor'), status, (ctx) => adminJson(ctxFind(ctx, verb(ctx).id), ctx.db, site));

  app.get('/maintenances', (c) => {
    const list = db()
      .incidents.filter(isMaintenanceRecord)
      .sort((a, b) => (b.scheduled_for ?? '').localeCompare(a.scheduled_for ?? ''));
    return c.json({ scheduled_maintenances: list.map((m) => adminJson(m, db(), site)) });
  });

  app.post('/maintenances', async (c) => {
    const input = await readJson(c, maintenanceCreateSchema);
    return change(c, 201, (ctx) => scheduleMaintenance(ctx, { ...input, timeZone: tz }));
  });

  app.get('/maintenances/:id', (c) => c.json(adminJson(findMaintenance({ db: db() }, c.req.param('id')), db(), site)));

  app.post('/maintenances/:id/reschedule', async (c) => {
    const input = await readJson(c, maintenanceRescheduleSchema);
    return change(c, 200, (ctx) => rescheduleMaintenance(ctx, c.req.param('id'), { ...input, timeZone: tz }).maintenance);
  });

  app.post('/maintenances/:id/updates', async (c) => {
    const input = await readJson(c, maintenanceNoteSchema);
    return change(c, 201, (ctx) => noteMaintenance(ctx, c.req.param('id'), input).maintenance);
  });

  app.post('/maintenances/:id/:step{start|verify|complete|cancel}', async (c) => {
    const step = STEPS[c.req.param('step')]!;
    const input = await readJsonOrEmpty(c);
    return change(c, 201, (ctx) => step(ctx, c.req.param('id'), input).maintenance);
  });

  app.get('/incidents/:id/postmortem', (c) => {
    const incident = findIncident({ db: db(), now: herald.now(), actor: '' }, c.req.param('id'));
    return c.json({
      postmortem: incident.postmortem,
      template: postmortemDraft(incident, db(), tz, herald.now()),
    });
  });

  app.put('/incidents/:id/postmortem', async (c) => {
    const input = await readJson(c, postmortemSchema);
    const id = c.req.param('id');
    const existing = db().incidents.find((i) => i.id === id);
    // A first save without a body starts from the runbook template.
    const body =
      input.body ?? (existing && !existing.postmortem ? postmortemDraft(existing, db(), tz, herald.now()) : undefined);
    return change(c, 200, (ctx) => savePostmortem(ctx, id, { body, publish: input.publish }));
  });

  return app;
}

const ctxFind = (ctx: VerbContext, id: string) => ctx.db.incidents.find((i) => i.id === id)!;

/** The admin shape, plus what only maintenances carry (the iCal feed reads the last two). */
function adminJson(i: Incident, db: Db, site: string) {
  const base = adminIncidentJson(i, db, site);
  if (i.impact !== 'maintenance') return base;
  return { ...base, auto_transitions: i.auto_transitions, reminded_at: i.reminded_at, cancelled_at: i.cancelled_at, sequence: i.sequence };
}

/** Steps take an optional body: an empty request body means "use the defaults". */
async function readJsonOrEmpty(c: Context<AdminEnv>) {
  if ((await c.req.text()).trim() === '') return {};
  return readJson(c, maintenanceStepSchema);
}
