import { describe, expect, it } from 'vitest';
import { dbSchema, emptyDb, findEvent, type Db } from '../../src/domain/model.ts';
import type { VerbContext } from '../../src/domain/context.ts';
import { createComponent, editComponent } from '../../src/domain/components/manage.ts';
import { declareIncident } from '../../src/domain/incidents/declare.ts';
import { postUpdate } from '../../src/domain/incidents/post-update.ts';
import { scheduleMaintenance } from '../../src/domain/maintenance/schedule.ts';
import { cancelMaintenance, completeMaintenance, startMaintenance } from '../../src/domain/maintenance/transitions.ts';
import { renderMarkdown } from '../../src/render/markdown.ts';
import { settledPageDigest, settledPageDigests } from '../../src/snapshot/settled-pages.ts';

const T0 = Date.parse('2026-11-30T00:00:00.000Z');
const iso = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const at = (db: Db, minutes: number): VerbContext => ({
  db,
  now: new Date(T0 + minutes * 60_000),
  actor: 'comms-lead',
  markdown: renderMarkdown,
});

/** Two components; an incident resolved, one still open; a window completed, one cancelled, one to come. */
function setup() {
  const db = emptyDb('page', iso(-1_000));
  for (const id of ['api', 'web']) createComponent(at(db, -1_000), { id, name: id.toUpperCase() });
  const declare = (name: string, component: string) =>
    declareIncident(at(db, 0), {
      name,
      impact: 'minor',
      status: 'investigating',
      body: 'Looking.',
      components: { [component]: 'degraded_performance' },
    });
  const resolved = declare('Slow API', 'api');
  postUpdate(at(db, 30), resolved.id, { status: 'resolved', body: 'Fixed.', components: { api: 'operational' } });
  const open = declare('Slow web', 'web');
  const window = (minutes: number) =>
    scheduleMaintenance(at(db, 40), {
      name: 'Upgrade',
      scheduled_for: iso(minutes),
      scheduled_until: iso(minutes + 60),
      components: ['web'],
      notify: false,
    });
  const done = window(60);
  startMaintenance(at(db, 60), done.id);
  completeMaintenance(at(db, 90), done.id);
  const cancelled = window(200);
  cancelMaintenance(at(db, 100), cancelled.id);
  const coming = window(300);
  return { db, resolved: resolved.id, open: open.id, done: done.id, cancelled: cancelled.id, coming: coming.id };
}

describe('settledPageDigest', () => {
  it('is there for a resolved incident and a window completed or cancelled, not for what the clock still moves', () => {
    const s = setup();
    const digest = (id: string) => settledPageDigest(s.db, findEvent(s.db, id)!);
    for (const id of [s.resolved, s.done, s.cancelled]) expect(digest(id), id).toEqual(expect.any(String));
    // An open incident's page says how long it has lasted so far; a window to come may overrun.
    for (const id of [s.open, s.coming]) expect(digest(id), id).toBeNull();
    expect([...settledPageDigests(s.db).keys()].sort()).toEqual([s.resolved, s.done, s.cancelled].sort());
  });

  it('changes with what the page shows: its record, the names of its components, the settings', () => {
    const s = setup();
    const before = settledPageDigests(s.db);
    const changed = (after: Map<string, string>) => [...before].filter(([id, d]) => after.get(id) !== d).map(([id]) => id);

    editComponent(at(s.db, 110), 'api', { name: 'Public API' });
    expect(changed(settledPageDigests(s.db))).toEqual([s.resolved]);

    const again = structuredClone(s.db);
    again.settings.severities[0]!.label = 'P1';
    expect(changed(settledPageDigests(again)).sort()).toEqual([s.resolved, s.done, s.cancelled].sort());

    const edited = structuredClone(s.db);
    findEvent(edited, s.done)!.name = 'Database upgrade';
    expect(changed(settledPageDigests(edited))).toEqual([s.resolved, s.done]);
  });

  it('is the same for the data as made and as read back from the store (its schema sets the order of keys)', () => {
    const s = setup();
    const readBack = dbSchema.parse(JSON.parse(JSON.stringify(s.db)));
    expect(settledPageDigests(readBack)).toEqual(settledPageDigests(s.db));
  });

  it('stays the same through what its page does not show: component statuses, other incidents, the audit', () => {
    const s = setup();
    const before = settledPageDigests(s.db);
    editComponent(at(s.db, 110), 'web', { status: 'partial_outage' });
    postUpdate(at(s.db, 120), s.open, { status: 'identified', body: 'Found it.' });
    expect(s.db.audit.length).toBeGreaterThan(0);
    expect(settledPageDigests(s.db)).toEqual(before);
  });
});
