import {
  emptyDb,
  incidentSchema,
  maintenanceSchema,
  type Component,
  type Db,
  type Incident,
  type IncidentUpdate,
  type Maintenance,
  type MaintenanceUpdate,
} from '../../src/domain/model.ts';
import type { VerbContext } from '../../src/domain/context.ts';
import type { ComponentStatus } from '../../src/domain/status.ts';
import { renderMarkdown } from '../../src/render/markdown.ts';

/** Tiny real inputs for the pure domain verbs: plain data, no store. */
export const T0 = new Date('2026-11-22T09:00:00.000Z');

export function db(components: Array<Partial<Component> & { id: string }> = []): Db {
  const d = emptyDb('page0000test', T0.toISOString());
  for (const [i, c] of components.entries()) d.components.push(component(c.id, c.status ?? 'operational', { position: i + 1, ...c }));
  return d;
}

export function component(id: string, status: ComponentStatus = 'operational', extra: Partial<Component> = {}): Component {
  return {
    id,
    name: id.toUpperCase(),
    description: null,
    group: null,
    status,
    position: 1,
    created_at: T0.toISOString(),
    updated_at: T0.toISOString(),
    ...extra,
  };
}

/** An incident record as stored (parsed), without updates. */
export function incident(id: string, impact: Incident['impact'], status: Incident['status'], extra: Partial<Incident> = {}): Incident {
  const resolved = status === 'resolved' || status === 'postmortem';
  return incidentSchema.parse({
    kind: 'incident',
    id,
    name: `Incident ${id}`,
    impact,
    status,
    created_at: T0.toISOString(),
    updated_at: T0.toISOString(),
    started_at: T0.toISOString(),
    monitoring_at: null,
    resolved_at: resolved ? T0.toISOString() : null,
    components: [],
    updates: [],
    postmortem: null,
    ...extra,
  });
}

/** An incident's or a window's update (by its status) as stored, posted (and last edited) at `at`; its body rendered as Herald does. */
export function update(id: string, status: IncidentUpdate['status'], at: string, body?: string): IncidentUpdate;
export function update(id: string, status: MaintenanceUpdate['status'], at: string, body?: string): MaintenanceUpdate;
export function update(id: string, status: IncidentUpdate['status'] | MaintenanceUpdate['status'], at: string, body = id) {
  return {
    id,
    status,
    body,
    body_html: renderMarkdown(body),
    created_at: at,
    display_at: at,
    updated_at: at,
    edited_at: null,
    affected_components: [],
    notify: false,
    author: 't',
  } as IncidentUpdate | MaintenanceUpdate;
}

/** A maintenance window as stored (parsed), without updates: one hour from T0 unless told otherwise. */
export function maintenance(id: string, status: Maintenance['status'], extra: Partial<Maintenance> = {}): Maintenance {
  return maintenanceSchema.parse({
    kind: 'maintenance',
    id,
    name: `Maintenance ${id}`,
    status,
    created_at: T0.toISOString(),
    updated_at: T0.toISOString(),
    started_at: T0.toISOString(),
    resolved_at: status === 'completed' ? T0.toISOString() : null,
    components: [],
    updates: [],
    scheduled_for: T0.toISOString(),
    scheduled_until: new Date(T0.getTime() + 3_600_000).toISOString(),
    auto_transitions: true,
    reminded_at: null,
    cancelled_at: null,
    sequence: 0,
    ...extra,
  });
}

/** A verb context at `minutes` after T0, rendering Markdown as Herald does. */
export function ctx(d: Db, minutes = 0, actor = 'tester'): VerbContext {
  return { db: d, now: new Date(T0.getTime() + minutes * 60_000), actor, markdown: renderMarkdown };
}
