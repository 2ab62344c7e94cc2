import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyDb, type Db, type Maintenance } from '../../src/domain/model.ts';
import type { VerbContext } from '../../src/domain/context.ts';
import type { MaintenanceStatus } from '../../src/domain/status.ts';
import { createComponent } from '../../src/domain/components/manage.ts';
import { declareIncident } from '../../src/domain/incidents/declare.ts';
import { postUpdate } from '../../src/domain/incidents/post-update.ts';
import { appendMaintenanceUpdate } from '../../src/domain/maintenance/append.ts';
import { renderMarkdown } from '../../src/render/markdown.ts';

/**
 * A small but complete status page for the integration outputs, built with
 * the real domain verbs at times relative to `now` and written as the data
 * file a real server then opens: a group with two components and one
 * ungrouped component; a resolved and an open incident (one update changes
 * no component); maintenances completed, in progress, scheduled,
 * rescheduled (sequence 1) and cancelled (sequence 2).
 */
export const MIN = 60_000;

export function integrationsDb(now = new Date()): Db {
  const at = (minutes: number) => new Date(now.getTime() + minutes * MIN);
  const ctx = (minutes: number): VerbContext => ({ db, now: at(minutes), actor: 'fixture', markdown: renderMarkdown });
  const db = emptyDb('page0fixture', at(-100 * 24 * 60).toISOString());

  createComponent(ctx(-90 * 24 * 60), { id: 'api', name: 'API', description: 'Public REST API', group: 'Core' });
  createComponent(ctx(-90 * 24 * 60), { id: 'dashboard', name: 'Dashboard', group: 'Core' });
  createComponent(ctx(-90 * 24 * 60), { id: 'webhooks', name: 'Webhooks', description: 'Event delivery' });

  const old = declareIncident(ctx(-2 * 24 * 60), {
    name: 'Dashboard login failures',
    impact: 'minor',
    status: 'investigating',
    body: 'We are investigating **login failures** & slow pages <script>alert(1)</script>.',
    components: { dashboard: 'degraded_performance' },
  });
  postUpdate(ctx(-2 * 24 * 60 + 30), old.id, { status: 'monitoring', body: 'A fix has been implemented.' });
  postUpdate(ctx(-2 * 24 * 60 + 30), old.id, { status: 'monitoring', body: 'Still watching; error rates are normal.' });
  postUpdate(ctx(-2 * 24 * 60 + 60), old.id, { status: 'resolved', body: 'This incident has been resolved.' });

  const open = declareIncident(ctx(-30), {
    name: 'Elevated API error rates',
    impact: 'major',
    status: 'investigating',
    body: 'We are investigating elevated error rates on the API.',
    components: { api: 'degraded_performance' },
  });
  postUpdate(ctx(-10), open.id, {
    status: 'identified',
    body: 'The issue has been identified and a fix is being implemented.',
    components: { api: 'partial_outage' },
  });

  maintenance(
    db,
    ctx,
    'MNT-done',
    'TLS certificate rotation',
    [-7 * 24 * 60, -7 * 24 * 60 + 30],
    ['api'],
    [
      [-8 * 24 * 60, 'scheduled'],
      [-7 * 24 * 60, 'in_progress'],
      [-7 * 24 * 60 + 30, 'completed'],
    ],
  );
  maintenance(
    db,
    ctx,
    'MNT-now',
    'Webhook delivery upgrade',
    [-10, 120],
    ['webhooks'],
    [
      [-24 * 60, 'scheduled'],
      [-10, 'in_progress', { webhooks: 'under_maintenance' }],
    ],
  );
  maintenance(db, ctx, 'MNT-next', 'Database failover test', [24 * 60, 25 * 60], ['api', 'dashboard'], [[-60, 'scheduled']]);
  const moved = maintenance(
    db,
    ctx,
    'MNT-moved',
    'Dashboard upgrade',
    [3 * 24 * 60, 3 * 24 * 60 + 60],
    ['dashboard'],
    [[-120, 'scheduled']],
  );
  appendMaintenanceUpdate(ctx(-100), moved, { status: 'scheduled', body: 'This maintenance has been rescheduled.' });
  moved.sequence = 1;
  const cancelled = maintenance(
    db,
    ctx,
    'MNT-off',
    'Webhook migration',
    [2 * 24 * 60, 2 * 24 * 60 + 60],
    ['webhooks'],
    [
      [-300, 'scheduled'],
      [-200, 'scheduled'],
      [-50, 'completed'],
    ],
  );
  cancelled.cancelled_at = at(-50).toISOString();
  cancelled.sequence = 2;
  db.audit = [];
  return db;
}

/** A maintenance record with its updates, as the maintenance verbs leave it. */
function maintenance(
  db: Db,
  ctx: (minutes: number) => VerbContext,
  id: string,
  name: string,
  [from, until]: [number, number],
  components: string[],
  steps: Array<[number, MaintenanceStatus, Record<string, 'under_maintenance' | 'operational'>?]>,
): Maintenance {
  const first = ctx(steps[0]![0]).now.toISOString();
  const m: Maintenance = {
    kind: 'maintenance',
    id,
    name,
    status: 'scheduled',
    created_at: first,
    updated_at: first,
    started_at: ctx(from).now.toISOString(),
    resolved_at: null,
    components,
    updates: [],
    scheduled_for: ctx(from).now.toISOString(),
    scheduled_until: ctx(until).now.toISOString(),
    auto_transitions: false,
    reminded_at: null,
    cancelled_at: null,
    sequence: 0,
  };
  for (const [minutes, status, changes] of steps) {
    appendMaintenanceUpdate(ctx(minutes), m, { status, body: `Maintenance is ${status.replace('_', ' ')}.`, components: changes ?? {} });
  }
  db.maintenances.push(m);
  return m;
}

/** Writes the fixture as the data file of `dataDir` (the server validates it on start). */
export function writeIntegrationsDb(dataDir: string, db = integrationsDb()): Db {
  writeFileSync(join(dataDir, 'herald.json'), JSON.stringify(db));
  return db;
}
