import { describe, expect, it } from 'vitest';
import { createComponent, deleteComponent, editComponent } from '../../src/domain/components/manage.ts';
import { updateSettings } from '../../src/domain/settings-update.ts';
import { DEFAULT_SETTINGS, type Settings } from '../../src/domain/settings.ts';
import { eventDetailLines, eventLabel, previousLines } from '../../src/console/audit-words.ts';
import { ctx, db } from '../helpers/db.ts';

/**
 * What an investigator reads in the audit: each change recorded before and after, only the fields that
 * changed, groups by name. From a defect hunt: an edit recorded only the previous record (the new name
 * appeared nowhere), a settings save the whole old document, a creation nothing at all.
 */
describe('the audit records what changed, before and after', () => {
  it('a component created: its name, description, group (by name) and status', () => {
    const d = db();
    createComponent(ctx(d), { name: 'Search', group: 'Core' });
    expect(d.audit.at(-1)).toMatchObject({
      action: 'component.create',
      target: 'search',
      detail: { name: 'Search', description: null, group: 'Core', status: 'operational' },
    });
  });

  it('a component edited: only the fields that changed, and its words read "Name: Dashboard → Web dashboard"', () => {
    const d = db([{ id: 'dashboard', name: 'Dashboard', description: 'old desc' }]);
    editComponent(ctx(d, 1), 'dashboard', { name: 'Web dashboard', description: 'new desc' });
    const e = d.audit.at(-1)!;
    expect(e.detail).toEqual({
      changes: { name: { from: 'Dashboard', to: 'Web dashboard' }, description: { from: 'old desc', to: 'new desc' } },
    });
    expect(eventDetailLines(e.detail, 'UTC', e.action)).toEqual([
      ['Name', 'Dashboard → Web dashboard'],
      ['Description', 'old desc → new desc'],
    ]);
  });

  it('a status change is told once, and the status it took is still recorded for the channels', () => {
    const d = db([{ id: 'api', name: 'API' }]);
    editComponent(ctx(d, 1), 'api', { status: 'major_outage' });
    const e = d.audit.at(-1)!;
    expect(e.detail).toEqual({ changes: { status: { from: 'operational', to: 'major_outage' } }, status: 'major_outage' });
    expect(eventDetailLines(e.detail, 'UTC', e.action)).toEqual([['Status', 'operational → major_outage']]);
  });

  it('groups are named as they were then, in the change and in the previous value, even once the group is gone', () => {
    const d = db();
    createComponent(ctx(d), { name: 'API', group: 'Core' });
    editComponent(ctx(d, 1), 'api', { group: 'Edge' });
    const edit = d.audit.at(-1)!;
    expect(d.groups.map((g) => g.name)).toEqual(['Edge']);
    expect((edit.detail as { changes: object }).changes).toEqual({ group: { from: 'Core', to: 'Edge' } });
    expect(previousLines(edit.previous, 'UTC', edit.action)).toContainEqual(['Group', 'Core']);
    deleteComponent(ctx(d, 2), 'api');
    const del = d.audit.at(-1)!;
    expect(previousLines(del.previous, 'UTC', del.action)).toContainEqual(['Group', 'Edge']);
    expect(JSON.stringify(eventDetailLines(edit.detail, 'UTC', edit.action))).not.toMatch(/[a-z0-9]{12}/);
  });

  it('a settings save: the changed fields and a level’s changed fields by level, in the settings form’s words', () => {
    const d = db();
    const next: Settings = structuredClone(DEFAULT_SETTINGS);
    next.signoff = 'The Acme Team';
    next.support_contact = 'help@acme.example';
    next.severities[0]!.update_every_minutes = 20;
    updateSettings(ctx(d), next);
    const e = d.audit.at(-1)!;
    expect(e.previous).toEqual(DEFAULT_SETTINGS);
    expect(e.detail).toEqual({
      changes: {
        signoff: { from: DEFAULT_SETTINGS.signoff, to: 'The Acme Team' },
        support_contact: { from: DEFAULT_SETTINGS.support_contact, to: 'help@acme.example' },
      },
      levels: { sev1: { update_every_minutes: { from: 30, to: 20 } } },
    });
    expect(eventDetailLines(e.detail, 'UTC', e.action)).toEqual([
      ['Sign-off', `${DEFAULT_SETTINGS.signoff ?? 'none'} → The Acme Team`],
      ['Support contact', `${DEFAULT_SETTINGS.support_contact ?? 'none'} → help@acme.example`],
      ['Level sev1, Update every (min)', '30 → 20'],
    ]);
    // The previous document stays whole (a stale form reads it back), one line a level rather than one in all.
    expect(previousLines(e.previous, 'UTC', e.action).filter(([k]) => k?.startsWith('Level '))).toHaveLength(3);
  });

  it('levels added, removed and reordered are named with their labels', () => {
    const d = db();
    const next: Settings = structuredClone(DEFAULT_SETTINGS);
    const [sev1, sev2, sev3] = next.severities as [
      Settings['severities'][number],
      Settings['severities'][number],
      Settings['severities'][number],
    ];
    next.severities = [sev2, sev1, { ...sev3, id: 'sev4', label: 'Low' }];
    updateSettings(ctx(d), next);
    const lines = eventDetailLines(d.audit.at(-1)!.detail, 'UTC', 'settings.update');
    expect(lines).toEqual([
      ['Level sev4', 'added (Low)'],
      ['Level sev3', `removed (was ${sev3.label})`],
      ['Level order, most severe first', 'sev1, sev2 → sev2, sev1'],
    ]);
  });
});

describe('a postmortem withdrawn says so', () => {
  it('reads "Withdrew postmortem", not "Saved postmortem … Published: no"', () => {
    const e = {
      action: 'incident.postmortem',
      previous: { body: 'x', published_at: '2026-11-22T10:00:00.000Z' },
      detail: { published: false },
    };
    expect(eventLabel(e)).toBe('Withdrew postmortem (unpublished, back to a draft)');
    expect(eventLabel({ ...e, previous: { body: 'x', published_at: null } })).toBe('Saved postmortem');
  });
});
