import { describe, expect, it } from 'vitest';
import { declareIncident } from '../../src/domain/incidents/declare.ts';
import { postUpdate } from '../../src/domain/incidents/post-update.ts';
import { Conflict, Invalid } from '../../src/domain/errors.ts';
import type { Db } from '../../src/domain/model.ts';
import { eventComponentNames } from '../../src/domain/components/names.ts';
import { computeUptime } from '../../src/domain/uptime.ts';
import { widens } from '../../src/domain/policy.ts';
import { noticeComponents } from '../../src/domain/components/following.ts';
import { createChannel } from '../../src/domain/channels/manage.ts';
import { channelMessages } from '../../src/channels/plan.ts';
import { updateJson } from '../../src/read/statuspage-records.ts';
import { ctx, db, T0 } from '../helpers/db.ts';
import { refused } from '../helpers/refused.ts';

/**
 * Taking a component off an incident (an update's `components: { id: null }`, the console's "Not
 * affected"): it was named in error, so it leaves the incident's set for every reader, and returns to
 * what the incident's resolution would give it; the update that named it keeps its own record.
 */
const payments = () =>
  db([
    { id: 'api', name: 'API' },
    { id: 'dashboard', name: 'Dashboard' },
    { id: 'card-payments', name: 'Card payments' },
  ]);
const statuses = (d: Db) => Object.fromEntries(d.components.map((c) => [c.id, c.status]));

const declare = (
  d: Db,
  components: Record<string, 'partial_outage' | 'degraded_performance' | 'major_outage'>,
  minutes = 0,
  name = 'API errors',
) => declareIncident(ctx(d, minutes), { name, impact: 'major', status: 'investigating', body: 'We are investigating.', components });

describe('taking a component off an incident', () => {
  it('leaves the incident’s set (its names everywhere), returns it to operational, and records the change as a removal', () => {
    const d = payments();
    const inc = declare(d, { api: 'partial_outage', dashboard: 'degraded_performance' });
    postUpdate(ctx(d, 10), inc.id, { status: 'identified', body: 'Payments too.', components: { 'card-payments': 'partial_outage' } });
    expect(eventComponentNames(d, inc)).toEqual(['API', 'Dashboard', 'Card payments']);

    const { update } = postUpdate(ctx(d, 20), inc.id, {
      status: 'monitoring',
      body: 'Not payments.',
      components: { 'card-payments': null },
    });
    // Before: `null` was not a status (the API refused it), and "Operational" kept it on the incident for good.
    expect(inc.components).toEqual(['api', 'dashboard']);
    expect(eventComponentNames(d, inc)).toEqual(['API', 'Dashboard']);
    expect(statuses(d)).toEqual({ api: 'partial_outage', dashboard: 'degraded_performance', 'card-payments': 'operational' });
    expect(update.affected_components).toEqual([
      { code: 'card-payments', name: 'Card payments', old_status: 'partial_outage', new_status: 'operational', removed: true },
    ]);
    // The update that named it keeps its record; the public API shows the removal as Statuspage's four fields.
    expect(inc.updates[1]!.affected_components[0]).toMatchObject({ code: 'card-payments', new_status: 'partial_outage' });
    expect(updateJson(update, inc.id).affected_components).toEqual([
      { code: 'card-payments', name: 'Card payments', old_status: 'partial_outage', new_status: 'operational' },
    ]);

    // The resolution restores only what the incident still names, and names only those.
    const resolved = postUpdate(ctx(d, 30), inc.id, { status: 'resolved', body: 'Fixed.' }).update;
    expect(resolved.affected_components.map((c) => c.code)).toEqual(['api', 'dashboard']);
    expect(eventComponentNames(d, inc)).toEqual(['API', 'Dashboard']);
  });

  it('returns it to what another open incident says of it, and that incident’s resolution is not held back by the one that took it off', () => {
    const d = payments();
    const a = declare(d, { api: 'partial_outage', 'card-payments': 'major_outage' });
    const b = declare(d, { 'card-payments': 'degraded_performance' }, 5, 'Payments slow');
    postUpdate(ctx(d, 10), a.id, { status: 'identified', body: 'Not payments.', components: { 'card-payments': null } });
    expect(statuses(d)['card-payments']).toBe('degraded_performance');
    postUpdate(ctx(d, 20), b.id, { status: 'resolved', body: 'Payments fine.' });
    // Before: A's earlier "major outage" still counted as A's word, and B's resolution left it degraded.
    expect(statuses(d)['card-payments']).toBe('operational');
  });

  it('may go with the resolving update, which then restores the rest', () => {
    const d = payments();
    const inc = declare(d, { api: 'partial_outage', 'card-payments': 'partial_outage' });
    const { update } = postUpdate(ctx(d, 10), inc.id, { status: 'resolved', body: 'Fixed.', components: { 'card-payments': null } });
    expect(inc.components).toEqual(['api']);
    expect(statuses(d)).toMatchObject({ api: 'operational', 'card-payments': 'operational' });
    expect(update.affected_components.map((c) => [c.code, c.new_status, c.removed ?? false])).toEqual([
      ['api', 'operational', false],
      ['card-payments', 'operational', true],
    ]);
  });

  it('refuses, changing nothing: a component the incident does not name, its last one, and on a resolved incident', () => {
    const d = payments();
    const inc = declare(d, { api: 'partial_outage' });
    const before = structuredClone(d);
    const off = (components: Record<string, 'partial_outage' | null>, status: 'identified' | 'resolved' = 'identified') =>
      postUpdate(ctx(d, 10), inc.id, { status, body: 'x', components });
    const notNamed = refused(() => off({ dashboard: null }), Invalid);
    expect([notNamed.code, notNamed.field]).toEqual(['not_affected', 'components.dashboard']);
    expect(notNamed.message).toBe('Dashboard is not affected by INC-2026-11-22-1: there is nothing to take off.');
    // With none left the incident would concern everyone: every subscriber, every banner filter.
    const last = refused(() => off({ api: null }), Invalid);
    expect([last.code, last.field]).toEqual(['last_component', 'components.api']);
    // Refused while resolving too: the way out it names is resolving without taking it off (before: "or resolve it").
    const resolving = refused(() => off({ api: null }, 'resolved'), Invalid);
    expect(resolving.message).toContain('resolve it without taking this one off');
    expect(refused(() => off({ nope: null }), Invalid).code).toBe('unknown_component');
    expect(d).toEqual(before);
    // Swapped for another in the same update, the last one may go.
    off({ api: null, dashboard: 'partial_outage' });
    expect(inc.components).toEqual(['dashboard']);
    postUpdate(ctx(d, 20), inc.id, { status: 'resolved', body: 'Fixed.' });
    expect(refused(() => off({ dashboard: null }, 'resolved'), Conflict).code).toBe('incident_resolved');
  });

  it('does not count in the uptime what the incident said of it (named in error), and taking it off is no widening', () => {
    const d = payments();
    const inc = declare(d, { api: 'major_outage', 'card-payments': 'major_outage' });
    postUpdate(ctx(d, 60), inc.id, { status: 'identified', body: 'Not payments.', components: { 'card-payments': null } });
    postUpdate(ctx(d, 120), inc.id, { status: 'resolved', body: 'Fixed.' });
    const uptime = computeUptime(d, new Date(T0.getTime() + 180 * 60_000));
    expect(uptime.get('api')!.downtimeMinutes).toBe(120);
    // Before: the hour it was wrongly shown in major outage counted against it.
    expect(uptime.get('card-payments')!.downtimeMinutes).toBe(0);
    expect(widens(inc, { 'card-payments': null })).toBe(false);
  });

  it('keeps its followers in the audience of the incident’s later notices, and a Slack channel scoped to it gets the rest', () => {
    const d = payments();
    const cards = createChannel(ctx(d, 0), {
      kind: 'slack',
      name: 'Payments room',
      url: 'https://hooks.example.com/slack/payments',
      components: ['card-payments'],
    });
    const inc = declare(d, { api: 'partial_outage' });
    // Planned as the outbox does, pass by pass from its mark: each update as it is published.
    const owed = (minutes: number) =>
      channelMessages(d, new Date(T0.getTime() + minutes * 60_000).toISOString())
        .filter((m) => m.channel.id === cards.id)
        .map((m) => m.update.id);
    const named = postUpdate(ctx(d, 10), inc.id, {
      status: 'identified',
      body: 'Payments too.',
      components: { 'card-payments': 'partial_outage' },
    });
    expect(owed(10)).toEqual([named.update.id]);
    const off = postUpdate(ctx(d, 20), inc.id, { status: 'monitoring', body: 'Not payments.', components: { 'card-payments': null } });
    const resolved = postUpdate(ctx(d, 30), inc.id, { status: 'resolved', body: 'Fixed.' });
    expect(inc.components).toEqual(['api']);
    // Before: ['api'] only, so its followers' last word was "Card payments: partial outage".
    expect(noticeComponents(inc)).toEqual(['api', 'card-payments']);
    // Before: nothing; the channel's last post said card payments were in partial outage.
    expect(owed(20)).toEqual([off.update.id, resolved.update.id]);
  });

  it('an incident that named no component at first reaches everyone to its end, a component named later notwithstanding', () => {
    // From a hunt: declared naming none (everyone emailed, every war room posted), then "Only the website
    // checkout": the followers of API and a room scoped to Dashboard never heard the update or "Service restored".
    const d = payments();
    const dash = createChannel(ctx(d, 0), {
      kind: 'slack',
      name: 'Dashboard room',
      url: 'https://hooks.example.com/slack/dash',
      components: ['dashboard'],
    });
    const inc = declare(d, {});
    const owed = (minutes: number) =>
      channelMessages(d, new Date(T0.getTime() + minutes * 60_000).toISOString())
        .filter((m) => m.channel.id === dash.id)
        .map((m) => m.update.id);
    expect(owed(0)).toEqual([inc.updates[0]!.id]);
    const scoped = postUpdate(ctx(d, 10), inc.id, {
      status: 'identified',
      body: 'Only card payments.',
      components: { 'card-payments': 'partial_outage' },
    });
    const resolved = postUpdate(ctx(d, 20), inc.id, { status: 'resolved', body: 'Fixed.' });
    expect(inc.components).toEqual(['card-payments']);
    // Before: ['card-payments'], so the subscribers of API (told it started) were owed neither notice.
    expect(noticeComponents(inc)).toEqual([]);
    // Before: nothing after the declaration.
    expect(owed(10)).toEqual([scoped.update.id, resolved.update.id]);
    // One declared naming a component is scoped from its start, a component taken off it included.
    const scopedFromStart = declare(d, { api: 'major_outage', dashboard: 'partial_outage' }, 30, 'API down');
    postUpdate(ctx(d, 40), scopedFromStart.id, { status: 'identified', body: 'Not the dashboard.', components: { dashboard: null } });
    expect(noticeComponents(scopedFromStart)).toEqual(['api', 'dashboard']);
  });

  it('counts a component named again after it was taken off as widening the incident', () => {
    const d = payments();
    const inc = declare(d, { api: 'major_outage', 'card-payments': 'major_outage' });
    postUpdate(ctx(d, 10), inc.id, { status: 'identified', body: 'Not payments.', components: { 'card-payments': null } });
    // Before: its trouble before the removal still counted, so naming it again was no news to its followers.
    expect(widens(inc, { 'card-payments': 'partial_outage' })).toBe(true);
    expect(widens(inc, { api: 'partial_outage' })).toBe(false);
    const { update } = postUpdate(ctx(d, 20), inc.id, {
      status: 'identified',
      body: 'Payments after all.',
      components: { 'card-payments': 'partial_outage' },
    });
    expect(update.notify).toBe(true);
  });
});
