import { describe, expect, it } from 'vitest';
import { createComponent, editComponent } from '../../src/domain/components/manage.ts';
import { componentsByGroup, newestFirst } from '../../src/domain/overall.ts';
import { componentsJson } from '../../src/read/statuspage-records.ts';
import { ctx, db, incident } from '../helpers/db.ts';

/** The flat /api/v2/components.json list as `name@position`, and the page's order of the same names. */
const apiOrder = (d: ReturnType<typeof db>) => componentsJson(d, 'UTC').map((c) => `${c.name}@${c.position}`);
const pageOrder = (d: ReturnType<typeof db>) =>
  componentsByGroup(d).flatMap((v) => [...(v.group ? [v.group.name] : []), ...v.components.map((c) => c.name)]);

describe('component positions (clients sort /api/v2/components.json by them)', () => {
  it('groups and ungrouped components share one top-level sequence; a group restarts it', () => {
    const d = db();
    createComponent(ctx(d), { name: 'API', group: 'Core' });
    createComponent(ctx(d), { name: 'Dashboard', group: 'Core' });
    createComponent(ctx(d), { name: 'Webhooks' });
    createComponent(ctx(d), { name: 'Database' });
    expect(apiOrder(d)).toEqual(['Core@1', 'API@1', 'Dashboard@2', 'Webhooks@2', 'Database@3']);
    expect(pageOrder(d)).toEqual(['Core', 'API', 'Dashboard', 'Webhooks', 'Database']);
  });

  it('a component moved to another level goes last there, unless the edit places it', () => {
    const d = db();
    createComponent(ctx(d), { name: 'API', group: 'Core' });
    createComponent(ctx(d), { name: 'Webhooks' });
    createComponent(ctx(d), { name: 'Search', group: 'Edge' });
    editComponent(ctx(d), 'webhooks', { group: 'Core' });
    editComponent(ctx(d), 'search', { group: null });
    expect(apiOrder(d)).toEqual(['Core@1', 'API@1', 'Webhooks@2', 'Search@4']);
    editComponent(ctx(d), 'api', { group: 'Edge', position: 7 });
    expect(apiOrder(d)).toContain('API@7');
    // The console's edit row posts every field: the position as it was is no placing.
    editComponent(ctx(d), 'api', { group: null, position: 7 });
    expect(apiOrder(d).at(-1)).toBe('API@6');
  });

  it('the API lists equal positions in the page order (by name), not in storage order', () => {
    // Positions written before they were one sequence: a group and a component both at 1.
    const d = db([{ id: 'web', name: 'Webhooks', position: 1 }]);
    createComponent(ctx(d), { name: 'API', group: 'Core' });
    d.groups[0]!.position = 1;
    expect(pageOrder(d)).toEqual(['Core', 'API', 'Webhooks']);
    expect(apiOrder(d).map((x) => x.split('@')[0])).toEqual(pageOrder(d));
    editComponent(ctx(d), 'web', { name: 'Alpha webhooks' });
    expect(pageOrder(d)).toEqual(['Alpha webhooks', 'Core', 'API']);
    expect(apiOrder(d).map((x) => x.split('@')[0])).toEqual(pageOrder(d));
  });
});

describe('records clients compare over time', () => {
  it("a group's updated_at is its components' latest change", () => {
    const d = db();
    createComponent(ctx(d), { name: 'API', group: 'Core' });
    createComponent(ctx(d), { name: 'Dashboard', group: 'Core' });
    editComponent(ctx(d, 30), 'api', { status: 'degraded_performance' });
    const core = componentsJson(d, 'UTC').find((c) => c.name === 'Core')!;
    expect(core.updated_at).toBe(ctx(d, 30).now.toISOString());
  });

  it('incidents that started at the same instant: the one declared last comes first (a list cut at 50 keeps it)', () => {
    const at = '2026-10-01T00:00:00.000Z';
    const list = [1, 2, 3].map((n) =>
      incident(`INC-2026-10-01-${n}`, 'minor', 'resolved', { started_at: at, created_at: `2026-12-0${n}T00:00:00.000Z` }),
    );
    expect(newestFirst(list).map((i) => i.id)).toEqual(['INC-2026-10-01-3', 'INC-2026-10-01-2', 'INC-2026-10-01-1']);
  });
});
