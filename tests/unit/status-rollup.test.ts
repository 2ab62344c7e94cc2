import { describe, expect, it } from 'vitest';
import { componentsByGroup, overallStatus } from '../../src/domain/overall.ts';
import { worstComponentStatus, type ComponentStatus } from '../../src/domain/status.ts';
import type { Incident, Maintenance } from '../../src/domain/model.ts';
import { component, db, incident, maintenance } from '../helpers/db.ts';

/** An open incident by impact and status, or a maintenance window by its status. */
type Record = [Incident['impact'], Incident['status']] | ['maintenance', Maintenance['status']];
type Row = [name: string, components: ComponentStatus[], incidents: Record[], indicator: string, description: string];

// Each row written out by hand (not recomputed from the rule), so a change in
// the roll-up shows up here as a named failing case.
const ROWS: Row[] = [
  ['no components, no incidents', [], [], 'none', 'All Systems Operational'],
  ['all operational', ['operational', 'operational'], [], 'none', 'All Systems Operational'],
  ['one degraded component', ['operational', 'degraded_performance'], [], 'minor', 'Minor Service Outage'],
  ['one partial outage', ['degraded_performance', 'partial_outage'], [], 'major', 'Partial System Outage'],
  ['one major outage', ['partial_outage', 'major_outage'], [], 'critical', 'Major Service Outage'],
  ['component under maintenance only', ['operational', 'under_maintenance'], [], 'maintenance', 'Service Under Maintenance'],
  ['under maintenance and degraded: the outage wins', ['under_maintenance', 'degraded_performance'], [], 'minor', 'Minor Service Outage'],
  ['open minor incident, components fine', ['operational'], [['minor', 'investigating']], 'minor', 'Minor Service Outage'],
  ['open major incident, components fine', ['operational'], [['major', 'identified']], 'major', 'Partial System Outage'],
  // Monitoring: the fix is out, the page follows the components (all operational reads green, not red).
  [
    'critical incident monitoring, components operational again',
    ['operational'],
    [['critical', 'monitoring']],
    'none',
    'All Systems Operational',
  ],
  [
    'critical incident monitoring, a component still degraded',
    ['degraded_performance'],
    [['critical', 'monitoring']],
    'minor',
    'Minor Service Outage',
  ],
  ['open major incident, a component in major outage', ['major_outage'], [['major', 'investigating']], 'critical', 'Major Service Outage'],
  [
    'open minor incident, a component in partial outage',
    ['partial_outage'],
    [['minor', 'investigating']],
    'major',
    'Partial System Outage',
  ],
  [
    'several open incidents: the worst wins',
    ['operational'],
    [
      ['minor', 'investigating'],
      ['critical', 'identified'],
      ['major', 'monitoring'],
    ],
    'critical',
    'Major Service Outage',
  ],
  ['open incident of impact none', ['operational'], [['none', 'investigating']], 'none', 'All Systems Operational'],
  ['resolved critical incident no longer counts', ['operational'], [['critical', 'resolved']], 'none', 'All Systems Operational'],
  ['postmortem incident no longer counts', ['operational'], [['critical', 'postmortem']], 'none', 'All Systems Operational'],
  ['maintenance in progress', ['operational'], [['maintenance', 'in_progress']], 'maintenance', 'Service Under Maintenance'],
  ['maintenance verifying', ['operational'], [['maintenance', 'verifying']], 'maintenance', 'Service Under Maintenance'],
  ['maintenance only scheduled', ['operational'], [['maintenance', 'scheduled']], 'none', 'All Systems Operational'],
  ['maintenance completed', ['operational'], [['maintenance', 'completed']], 'none', 'All Systems Operational'],
  [
    'maintenance in progress and an open minor incident',
    ['operational'],
    [
      ['maintenance', 'in_progress'],
      ['minor', 'investigating'],
    ],
    'minor',
    'Minor Service Outage',
  ],
  [
    'maintenance in progress and a degraded component',
    ['degraded_performance'],
    [['maintenance', 'in_progress']],
    'minor',
    'Minor Service Outage',
  ],
  [
    'maintenance in progress and an open impact-none incident',
    ['under_maintenance'],
    [
      ['maintenance', 'in_progress'],
      ['none', 'identified'],
    ],
    'maintenance',
    'Service Under Maintenance',
  ],
];

describe('overall roll-up: component statuses × open incident impacts × maintenance', () => {
  it.each(ROWS)('%s', (_name, statuses, incidents, indicator, description) => {
    const d = db(statuses.map((status, i) => ({ id: `c${i}`, status })));
    incidents.forEach((r, i) => {
      if (r[0] === 'maintenance') d.maintenances.push(maintenance(`MNT-2026-11-22-${i + 1}`, r[1]));
      else d.incidents.push(incident(`INC-2026-11-22-${i + 1}`, r[0], r[1]));
    });
    expect(overallStatus(d)).toEqual({ indicator, description });
  });
});

describe('group status is the worst child', () => {
  it.each<[ComponentStatus[], ComponentStatus]>([
    [[], 'operational'],
    [['operational', 'operational'], 'operational'],
    [['operational', 'degraded_performance'], 'degraded_performance'],
    [['operational', 'under_maintenance'], 'under_maintenance'],
    [['under_maintenance', 'degraded_performance'], 'degraded_performance'],
    [['degraded_performance', 'partial_outage', 'operational'], 'partial_outage'],
    [['major_outage', 'partial_outage', 'under_maintenance'], 'major_outage'],
  ])('%j → %s', (children, expected) => {
    expect(worstComponentStatus(children)).toBe(expected);
  });

  it('componentsByGroup gives each group its worst child, groups and loose components in position order', () => {
    const d = db();
    const at = d.page.created_at;
    d.groups = [
      { id: 'g-core', name: 'Core', position: 2, created_at: at, updated_at: at },
      { id: 'g-empty', name: 'Empty', position: 0, created_at: at, updated_at: at },
      { id: 'g-pay', name: 'Payments', position: 4, created_at: at, updated_at: at },
    ];
    d.components = [
      component('api', 'partial_outage', { group: 'g-core', position: 2 }),
      component('dashboard', 'degraded_performance', { group: 'g-core', position: 1 }),
      component('cards', 'operational', { group: 'g-pay', position: 1 }),
      component('payouts', 'under_maintenance', { group: 'g-pay', position: 2 }),
      component('website', 'operational', { position: 1 }),
      component('orphan', 'major_outage', { group: 'g-gone', position: 3 }),
    ];
    const views = componentsByGroup(d);
    expect(views.map((v) => [v.group?.name ?? null, v.status, v.components.map((c) => c.id)])).toEqual([
      [null, 'operational', ['website']],
      ['Core', 'partial_outage', ['dashboard', 'api']],
      // A component whose group no longer exists is shown on its own, not lost.
      [null, 'major_outage', ['orphan']],
      ['Payments', 'under_maintenance', ['cards', 'payouts']],
    ]);
  });
});
