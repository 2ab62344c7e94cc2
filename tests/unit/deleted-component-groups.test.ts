import { describe, expect, it } from 'vitest';
import { ctx, db } from '../helpers/db.ts';
import { declareIncident } from '../../src/domain/incidents/declare.ts';
import { postUpdate } from '../../src/domain/incidents/post-update.ts';
import { createComponent, deleteComponent } from '../../src/domain/components/manage.ts';
import { editGroup } from '../../src/domain/components/groups.ts';
import { eventComponentNames } from '../../src/domain/components/names.ts';
import type { Db, Incident } from '../../src/domain/model.ts';

/**
 * A component deleted with force keeps the group it was in where past events name it: the group goes with
 * its last component, but "Search and Search" must not come back once the two Searches are gone (README:
 * a shared name "is written with its group").
 */
function twoSearches(): { d: Db; inc: Incident } {
  const d = db();
  createComponent(ctx(d, 1), { name: 'Search', group: 'EU' });
  createComponent(ctx(d, 2), { name: 'Search', group: 'US' });
  const inc = declareIncident(ctx(d, 3), {
    name: 'Search down',
    impact: 'major',
    status: 'investigating',
    body: 'Looking.',
    components: { search: 'major_outage', 'search-2': 'major_outage' },
  });
  postUpdate(ctx(d, 30), inc.id, { status: 'resolved', body: 'Fixed.' });
  return { d, inc };
}

describe('a deleted component named alike with another', () => {
  it("keeps the group it was in, each its group's only member, deleted one after the other", () => {
    const { d, inc } = twoSearches();
    expect(eventComponentNames(d, inc)).toEqual(['EU / Search', 'US / Search']);
    deleteComponent(ctx(d, 40), 'search', true);
    expect(d.groups.map((g) => g.name)).toEqual(['US']);
    expect(eventComponentNames(d, inc)).toEqual(['EU / Search', 'US / Search']);
    deleteComponent(ctx(d, 41), 'search-2', true);
    expect(d.groups).toEqual([]);
    expect(eventComponentNames(d, inc)).toEqual(['EU / Search', 'US / Search']);
  });

  it('is named by the group name it had when deleted, not one the group took after', () => {
    const { d, inc } = twoSearches();
    deleteComponent(ctx(d, 40), 'search', true);
    createComponent(ctx(d, 41), { name: 'Other', group: 'EU' });
    const eu = d.groups.find((g) => g.name === 'EU')!;
    editGroup(ctx(d, 42), eu.id, { name: 'Europe' });
    expect(eventComponentNames(d, inc)).toEqual(['EU / Search', 'US / Search']);
  });

  it('deleted before Herald kept its group name: named by the group as the audit last knew it, else bare', () => {
    const { d, inc } = twoSearches();
    const us = d.groups.find((g) => g.name === 'US')!;
    // The US group was moved on the page: that edit's audit keeps its id and name.
    editGroup(ctx(d, 35), us.id, { position: 9 });
    deleteComponent(ctx(d, 40), 'search', true);
    deleteComponent(ctx(d, 41), 'search-2', true);
    // As Herald recorded components before it kept a group's name beside its id.
    for (const a of d.audit) if (a.previous && typeof a.previous === 'object') delete (a.previous as Record<string, unknown>).group_name;
    expect(eventComponentNames(d, inc)).toEqual(['Search', 'US / Search']);
  });
});
