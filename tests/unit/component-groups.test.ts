import { describe, expect, it } from 'vitest';
import { ctx, db, T0 } from '../helpers/db.ts';
import { createComponent, deleteComponent, editComponent } from '../../src/domain/components/manage.ts';
import { editGroup } from '../../src/domain/components/groups.ts';
import { byPosition, componentsByGroup } from '../../src/domain/overall.ts';
import { componentsJson } from '../../src/read/statuspage-records.ts';
import { Conflict } from '../../src/domain/errors.ts';
import { freeId } from '../../src/domain/ids.ts';
import type { Db } from '../../src/domain/model.ts';

/** A component group's record in v2 (its updated_at, its components), its id beside the components', its order. */
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000).toISOString();
const groupRecord = (d: Db, name: string) => componentsJson(d, 'UTC').find((r) => r.group && r.name === name)!;

function payments(): Db {
  const d = db();
  createComponent(ctx(d, 1), { id: 'api', name: 'API', group: 'Payments' });
  createComponent(ctx(d, 2), { id: 'api-2', name: 'Cards API', group: 'Payments' });
  createComponent(ctx(d, 3), { id: 'web', name: 'Web', group: 'Site' });
  return d;
}

describe("a group's updated_at", () => {
  it('moves when a component leaves it for no group (its status and list changed)', () => {
    const d = payments();
    editComponent(ctx(d, 10), 'api-2', { status: 'major_outage' });
    expect(groupRecord(d, 'Payments')).toMatchObject({ status: 'major_outage', updated_at: at(10) });
    editComponent(ctx(d, 20), 'api-2', { group: null });
    // Before: back to at(1), the API's creation, while its status and components changed.
    expect(groupRecord(d, 'Payments')).toMatchObject({ status: 'operational', components: ['api'], updated_at: at(20) });
  });

  it('moves for the group left and the group joined when a component moves between them', () => {
    const d = payments();
    editComponent(ctx(d, 20), 'api-2', { group: 'Site' });
    expect(groupRecord(d, 'Payments')).toMatchObject({ components: ['api'], updated_at: at(20) });
    expect(groupRecord(d, 'Site')).toMatchObject({ components: ['web', 'api-2'], updated_at: at(20) });
  });

  it('moves when one of its components is deleted', () => {
    const d = payments();
    deleteComponent(ctx(d, 30), 'api-2');
    expect(groupRecord(d, 'Payments')).toMatchObject({ components: ['api'], updated_at: at(30) });
    expect(groupRecord(d, 'Site').updated_at).toBe(at(3));
  });

  it('moves when a component is created in it, not for an edit that keeps the component in it', () => {
    const d = payments();
    editComponent(ctx(d, 40), 'api', { description: 'Charges' });
    expect(d.groups.find((g) => g.name === 'Payments')!.updated_at).toBe(at(2));
  });
});

describe('ids of groups and components', () => {
  it("refuses a component given a group's id, as a duplicate component id (409 duplicate)", () => {
    const d = payments();
    const group = d.groups.find((g) => g.name === 'Payments')!;
    const refused = (() => {
      try {
        createComponent(ctx(d, 50), { id: group.id, name: 'Status mirror' });
      } catch (e) {
        return e;
      }
    })();
    expect(refused).toBeInstanceOf(Conflict);
    expect(refused).toMatchObject({ code: 'duplicate', field: 'id' });
    expect((refused as Error).message).toBe(`A group with id "${group.id}" already exists.`);
    expect(d.components.map((c) => c.id)).not.toContain(group.id);
  });

  it('gives a new group an id no component or group has: one already taken is drawn again', () => {
    const d = payments();
    const made = createComponent(ctx(d, 60), { name: 'Ledger', group: 'Finance' });
    const finance = d.groups.find((g) => g.name === 'Finance')!;
    expect(made.group).toBe(finance.id);
    expect(d.components.map((c) => c.id)).not.toContain(finance.id);
    // The generator's ids are random (12 characters), so a collision is only forced here, with a scripted one.
    const drawn = ['web', finance.id, 'fresh-group'];
    expect(freeId(new Set([...d.components.map((c) => c.id), ...d.groups.map((g) => g.id)]), () => drawn.shift()!)).toBe('fresh-group');
  });
});

describe('group order', () => {
  it('breaks a tie of positions by name, on the page and in the console, with one ordering', () => {
    const d = payments();
    for (const g of d.groups) editGroup(ctx(d, 70), g.id, { position: 5 });
    // Payments was made first: by position alone it stays first.
    const console = [...d.groups].sort(byPosition).map((g) => g.name);
    expect(console).toEqual(['Payments', 'Site']);
    editGroup(ctx(d, 71), d.groups.find((g) => g.name === 'Payments')!.id, { name: 'Zahlungen' });
    expect([...d.groups].sort(byPosition).map((g) => g.name)).toEqual(['Site', 'Zahlungen']);
    expect(componentsByGroup(d).map((v) => v.group?.name)).toEqual(['Site', 'Zahlungen']);
  });
});
