import { describe, expect, it } from 'vitest';
import { ctx, db, T0 } from '../helpers/db.ts';
import { declareIncident } from '../../src/domain/incidents/declare.ts';
import { postUpdate } from '../../src/domain/incidents/post-update.ts';
import { scheduleMaintenance } from '../../src/domain/maintenance/schedule.ts';
import { cancelMaintenance, completeMaintenance, startMaintenance } from '../../src/domain/maintenance/transitions.ts';
import { deleteComponent, editComponent } from '../../src/domain/components/manage.ts';
import { eventComponentNames } from '../../src/domain/components/names.ts';
import { maintenanceCalendar } from '../../src/feeds/ics.ts';
import { postmortemDraft } from '../../src/render/postmortem-template.ts';

/**
 * A component deleted once the incidents and windows naming it are over keeps its name where they are
 * told again (the calendar, the postmortem template), as the page and the emails keep it: its id is
 * the admins' slug, not what customers or the review read.
 */
const SITE = { SITE_URL: 'https://status.example.test', SITE_NAME: 'Example', SITE_TIMEZONE: 'UTC' };
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000).toISOString();

describe('a component deleted since', () => {
  it('keeps its name in the maintenance calendar', () => {
    const d = db([{ id: 'card-payments', name: 'Card payments' }]);
    const m = scheduleMaintenance(ctx(d, 1), {
      name: 'Gateway upgrade',
      scheduled_for: at(60),
      scheduled_until: at(120),
      components: ['card-payments'],
    });
    startMaintenance(ctx(d, 60), m.id);
    completeMaintenance(ctx(d, 120), m.id);
    deleteComponent(ctx(d, 130), 'card-payments', true);
    const ics = maintenanceCalendar(d, SITE).replace(/\r\n[ \t]/g, '');
    expect(ics).toContain('Affected: Card payments');
  });

  it('lists its components in the calendar as the notices do ("Card payments and Payouts")', () => {
    const d = db([
      { id: 'card-payments', name: 'Card payments' },
      { id: 'payouts', name: 'Payouts' },
    ]);
    scheduleMaintenance(ctx(d, 1), {
      name: 'Gateway upgrade',
      scheduled_for: at(60),
      scheduled_until: at(120),
      components: ['card-payments', 'payouts'],
    });
    expect(maintenanceCalendar(d, SITE).replace(/\r\n[ \t]/g, '')).toContain('Affected: Card payments and Payouts');
  });

  it('keeps its name for a window cancelled before it changed any component (from the audit of the deletion)', () => {
    const d = db([{ id: 'card-payments', name: 'Card payments' }]);
    const m = scheduleMaintenance(ctx(d, 1), {
      name: 'Gateway upgrade',
      scheduled_for: at(60),
      scheduled_until: at(120),
      components: ['card-payments'],
    });
    cancelMaintenance(ctx(d, 10), m.id);
    deleteComponent(ctx(d, 20), 'card-payments', true);
    expect(maintenanceCalendar(d, SITE).replace(/\r\n[ \t]/g, '')).toContain('Affected: Card payments');
  });

  // From a hunt: the console says past incidents keep its name, and they showed the one it had before a rename.
  it('keeps the name it had when deleted, not an older one an update recorded before a rename', () => {
    const d = db([{ id: 'webhooks', name: 'Webhooks' }]);
    const inc = declareIncident(ctx(d, 1), {
      name: 'Late webhooks',
      impact: 'minor',
      status: 'investigating',
      body: 'Looking.',
      components: { webhooks: 'degraded_performance' },
    });
    postUpdate(ctx(d, 30), inc.id, { status: 'resolved', body: 'Fixed.' });
    editComponent(ctx(d, 40), 'webhooks', { name: 'Webhook delivery' });
    expect(eventComponentNames(d, inc)).toEqual(['Webhook delivery']);
    deleteComponent(ctx(d, 50), 'webhooks', true);
    expect(eventComponentNames(d, inc)).toEqual(['Webhook delivery']);
  });

  it('keeps its name in the postmortem template', () => {
    const d = db([{ id: 'card-payments', name: 'Card payments' }]);
    const inc = declareIncident(ctx(d, 1), {
      name: 'Payments failing',
      impact: 'critical',
      status: 'investigating',
      body: 'Looking.',
      components: { 'card-payments': 'major_outage' },
    });
    postUpdate(ctx(d, 30), inc.id, { status: 'resolved', body: 'Fixed.' });
    deleteComponent(ctx(d, 40), 'card-payments', true);
    const draft = postmortemDraft(inc, d, 'UTC', new Date(at(50)));
    expect(draft).toContain('Card payments');
    expect(draft).not.toMatch(/\bcard-payments\b/);
  });
});
