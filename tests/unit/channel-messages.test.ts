import { describe, expect, it } from 'vitest';
import { ctx, db, T0 } from '../helpers/db.ts';
import type { Db, Incident } from '../../src/domain/model.ts';
import { declareIncident, type DeclareInput } from '../../src/domain/incidents/declare.ts';
import { postUpdate } from '../../src/domain/incidents/post-update.ts';
import { scheduleMaintenance } from '../../src/domain/maintenance/schedule.ts';
import { cancelMaintenance, completeMaintenance, noteMaintenance, startMaintenance } from '../../src/domain/maintenance/transitions.ts';
import { rescheduleMaintenance } from '../../src/domain/maintenance/reschedule.ts';
import { createChannel, editChannel } from '../../src/domain/channels/manage.ts';
import { deleteComponent } from '../../src/domain/components/manage.ts';
import { savePostmortem } from '../../src/domain/incidents/postmortem.ts';
import type { Channel, ChannelKind } from '../../src/domain/channels/model.ts';
import { overallStatus } from '../../src/domain/overall.ts';
import { channelMessages, type ChannelMessage } from '../../src/channels/plan.ts';
import { warRoomFacts, type IncidentMessageKind, type WarRoomFacts } from '../../src/channels/facts.ts';
import { asOf } from '../../src/domain/event-as-of.ts';
import { plainMrkdwn, slackMessage } from '../../src/channels/slack.ts';
import { TEAMS_CARD_BYTES, teamsMessage } from '../../src/channels/teams.ts';
import { webhookPayload } from '../../src/channels/webhook.ts';
import { renderPost, testMessage } from '../../src/channels/render.ts';
import { toDelivery } from '../../src/channels/plan.ts';
import { SEVERITY_SCHEMES } from '../../src/domain/severity-schemes.ts';
import { severityChangeLine, severityChangeText } from '../../src/domain/incidents/severity.ts';

/**
 * Channel messages, pure: which (channel, update) messages the data calls
 * for (src/channels/plan.ts), and what Slack, Teams and webhook receivers
 * get for each (facts.ts, slack.ts, teams.ts, webhook.ts).
 */
const SITE = { SITE_URL: 'https://status.example.test', SITE_TIMEZONE: 'UTC' };
const SINCE = T0.toISOString();
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

const world = () => db([{ id: 'api' }, { id: 'web' }]);
const channel = (d: Db, minutes: number, kind: ChannelKind, extra: Partial<Pick<Channel, 'components' | 'min_impact'>> = {}) =>
  // A URL of its own each: a second channel of a kind on one URL is refused.
  createChannel(ctx(d, minutes), {
    kind,
    name: `${kind} channel`,
    url: `https://hooks.example.com/${kind}/${d.channels.length}`,
    ...extra,
  });
const declare = (d: Db, minutes: number, input: Partial<DeclareInput> = {}) =>
  declareIncident(ctx(d, minutes), {
    name: 'Card payments failing',
    impact: 'critical',
    status: 'investigating',
    body: 'Looking.',
    components: {},
    ...input,
  });
const keysOf = (ms: ChannelMessage[], ch?: Channel) => ms.filter((m) => !ch || m.channel.id === ch.id).map((m) => m.key);

/** An incident declared (SEV-1, api down), identified, resolved: the runbook's three messages. */
function journey() {
  const d = world();
  channel(d, 0, 'slack');
  const inc = declare(d, 1, { components: { api: 'major_outage' }, commander: '@dana', body: 'We see **errors** on card payments.' });
  postUpdate(ctx(d, 10), inc.id, { status: 'identified', body: 'A bad deploy; rolling back.' });
  postUpdate(ctx(d, 40), inc.id, { status: 'resolved', body: 'Rolled back.', root_cause: 'A bad deploy', resolution: 'Rolled back' });
  return { d, inc };
}
const facts = (d: Db, inc: Incident, updateIndex: number, kind: IncidentMessageKind, now = at(50)) =>
  warRoomFacts(d, asOf(inc, inc.updates[updateIndex]!, d.settings), inc.updates[updateIndex]!, kind, SITE, now);
const fieldTexts = (msg: ReturnType<typeof slackMessage>) =>
  (msg.blocks[1] as { fields: Array<{ text: string }> }).fields.map((f) => f.text);

describe('channelMessages: what each channel is owed', () => {
  it('owes an update by the scope the channel had when it was written: widened later, not the newest before it; narrowed later, still what it was owed', () => {
    const d = world();
    const widened = channel(d, 0, 'slack', { components: ['web'] });
    const narrowed = channel(d, 0, 'slack');
    const lowered = channel(d, 0, 'slack', { min_impact: 'critical' });
    const inc = declare(d, 1, { impact: 'major', components: { api: 'major_outage' } });
    editChannel(ctx(d, 5), widened.id, { components: [] });
    editChannel(ctx(d, 5), narrowed.id, { components: ['web'] });
    editChannel(ctx(d, 5), lowered.id, { min_impact: 'major' });
    const late = channel(d, 5, 'teams');
    // The planning mark sits at the newest update, which each pass looks at again.
    const owed = (ch: Channel) => keysOf(channelMessages(d, at(1).toISOString()), ch);
    expect(owed(widened)).toEqual([]);
    expect(owed(lowered)).toEqual([]);
    expect(owed(narrowed)).toEqual([`${narrowed.id}.${inc.updates[0]!.id}`]);
    // From the edit on, the new scope.
    postUpdate(ctx(d, 6), inc.id, { status: 'identified', body: 'Found.' });
    const next = channelMessages(d, at(6).toISOString());
    expect(keysOf(next, widened)).toEqual([`${widened.id}.${inc.updates[1]!.id}`]);
    // Its first message about the incident: the declaration.
    expect(next.find((m) => m.channel.id === widened.id)?.kind).toBe('declared');
    expect(keysOf(next, lowered)).toEqual([`${lowered.id}.${inc.updates[1]!.id}`]);
    expect(keysOf(next, narrowed)).toEqual([]);
    // A channel added mid-incident is told of it as declared too.
    expect(next.filter((m) => m.channel.id === late.id).map((m) => m.kind)).toEqual(['declared']);
    // Narrowed, then widened back: told of the incident at its start, so not declared to again.
    editChannel(ctx(d, 7), narrowed.id, { components: [] });
    postUpdate(ctx(d, 8), inc.id, { status: 'monitoring', body: 'Watching.' });
    expect(
      channelMessages(d, at(8).toISOString())
        .filter((m) => m.channel.id === narrowed.id)
        .map((m) => m.kind),
    ).toEqual(['update']);
  });

  it('owes a channel only the updates written after it was added, oldest first', () => {
    const d = world();
    const inc = declare(d, 1);
    const ch = channel(d, 2, 'slack');
    postUpdate(ctx(d, 3), inc.id, { status: 'identified', body: 'Found.' });
    postUpdate(ctx(d, 4), inc.id, { status: 'monitoring', body: 'Fixed.' });
    const [, identified, monitoring] = inc.updates;
    expect(keysOf(channelMessages(d, SINCE))).toEqual([`${ch.id}.${identified!.id}`, `${ch.id}.${monitoring!.id}`]);
    // `since` is the planning mark: updates written before it are not looked at again.
    expect(keysOf(channelMessages(d, at(4).toISOString()))).toEqual([`${ch.id}.${monitoring!.id}`]);
  });

  it('scopes by components: an incident on another component is not owed, one naming no component is', () => {
    const d = world();
    const ch = channel(d, 0, 'slack', { components: ['api'] });
    const onApi = declare(d, 1, { components: { api: 'partial_outage' } });
    declare(d, 2, { components: { web: 'partial_outage' } });
    const onNothing = declare(d, 3);
    expect(keysOf(channelMessages(d, SINCE))).toEqual([`${ch.id}.${onApi.updates[0]!.id}`, `${ch.id}.${onNothing.updates[0]!.id}`]);
  });

  it('a channel whose every component was deleted since takes in every incident (as email does); one with some left, those', () => {
    const d = db([{ id: 'api' }, { id: 'web' }, { id: 'old' }]);
    const onlyOld = channel(d, 0, 'slack', { components: ['old'] });
    const oldAndApi = channel(d, 0, 'slack', { components: ['old', 'api'] });
    deleteComponent(ctx(d, 1), 'old');
    const onWeb = declare(d, 2, { components: { web: 'partial_outage' } });
    const onApi = declare(d, 3, { components: { api: 'partial_outage' } });
    const messages = channelMessages(d, SINCE);
    // Before, a channel of deleted components only was owed nothing again but incidents naming no component.
    expect(keysOf(messages, onlyOld)).toEqual([`${onlyOld.id}.${onWeb.updates[0]!.id}`, `${onlyOld.id}.${onApi.updates[0]!.id}`]);
    expect(keysOf(messages, oldAndApi)).toEqual([`${oldAndApi.id}.${onApi.updates[0]!.id}`]);
  });

  it('…from the deletion on: an update written before it, which the planner looks at again, is not posted late', () => {
    const d = db([{ id: 'web' }, { id: 'old' }]);
    const ch = channel(d, 0, 'slack', { components: ['old'] });
    const before = declare(d, 1, { components: { web: 'partial_outage' } });
    deleteComponent(ctx(d, 2), 'old');
    // The planning mark sits at the newest update, which a pass looks at again (>=).
    expect(keysOf(channelMessages(d, at(1).toISOString()), ch)).toEqual([]);
    postUpdate(ctx(d, 3), before.id, { status: 'identified', body: 'Found.' });
    expect(keysOf(channelMessages(d, at(1).toISOString()), ch)).toEqual([`${ch.id}.${before.updates[1]!.id}`]);
  });

  it('scopes by least impact: a major channel gets major and critical incidents, not minor or none', () => {
    const d = world();
    channel(d, 0, 'slack', { min_impact: 'major' });
    for (const [i, impact] of (['none', 'minor', 'major', 'critical'] as const).entries())
      declare(d, i + 1, { name: `${impact} one`, impact });
    expect(channelMessages(d, SINCE).map((m) => m.event.name)).toEqual(['major one', 'critical one']);
  });

  it('a channel of a least impact follows an incident it got to its end, lowered or not; a raised one from the raise on, declared to it there', () => {
    const d = world();
    const ch = channel(d, 0, 'slack', { min_impact: 'major' });
    const all = channel(d, 0, 'slack');
    const lowered = declare(d, 1, { name: 'lowered', impact: 'critical' });
    postUpdate(ctx(d, 2), lowered.id, { status: 'identified', body: 'Smaller than feared.', severity: 'sev3' });
    postUpdate(ctx(d, 3), lowered.id, { status: 'resolved', body: 'Fixed.' });
    const raised = declare(d, 4, { name: 'raised', impact: 'minor' });
    postUpdate(ctx(d, 5), raised.id, { status: 'identified', body: 'Worse.', severity: 'sev1' });
    // Before: the lowering update and the resolution were not owed, and the war room never heard it ended.
    const ofLowered = channelMessages(d, SINCE).filter((m) => m.event.id === lowered.id);
    expect(keysOf(ofLowered, ch)).toEqual(lowered.updates.map((u) => `${ch.id}.${u.id}`));
    // As planned live: the raised incident's first update was written (and looked at) before the raise.
    expect(keysOf(channelMessages(d, at(5).toISOString()), ch)).toEqual([`${ch.id}.${raised.updates[1]!.id}`]);
    // Planned from before it (a pass that ran late): the same, not the minor start the channel never wanted.
    const ofRaised = channelMessages(d, SINCE).filter((m) => m.event.id === raised.id);
    expect(ofRaised.filter((m) => m.channel.id === ch.id).map((m) => [m.update.id, m.kind])).toEqual([[raised.updates[1]!.id, 'declared']]);
    // The war room that heard it from the start hears the raise as an update.
    expect(ofRaised.filter((m) => m.channel.id === all.id).map((m) => m.kind)).toEqual(['declared', 'update']);
    // Lowered: the channel that got the declaration gets the lowering update as an update.
    expect(ofLowered.filter((m) => m.channel.id === ch.id).map((m) => m.kind)).toEqual(['declared', 'update', 'resolved']);
  });

  it('tells a webhook the status a component took: a milder incident beside an outage changes nothing, so it sends no component_update', () => {
    const d = world();
    const hook = channel(d, 0, 'webhook');
    const a = declare(d, 1, { components: { api: 'major_outage' } });
    const b = declare(d, 2, {
      name: 'Slow API',
      impact: 'minor',
      components: { api: 'degraded_performance', web: 'degraded_performance' },
    });
    postUpdate(ctx(d, 3), a.id, { status: 'resolved', body: 'A fixed.' });
    const [a1, a2] = a.updates.map((u) => u.id);
    const [b1] = b.updates.map((u) => u.id);
    const messages = channelMessages(d, SINCE);
    const h = hook.id;
    // Before: `${h}.${b1}.api`, "major_outage → degraded_performance" while the outage was open.
    expect(keysOf(messages, hook)).toEqual([
      `${h}.${a1}`,
      `${h}.${a1}.api`,
      `${h}.${b1}`,
      `${h}.${b1}.web`,
      `${h}.${a2}`,
      `${h}.${a2}.api`,
    ]);
    const ended = messages.find((m) => m.key === `${h}.${a2}.api`)!;
    const payload = webhookPayload(ended, d, SITE, at(3)) as { component_update: { old_status: string; new_status: string } };
    expect(payload.component_update).toMatchObject({ old_status: 'major_outage', new_status: 'degraded_performance' });
  });

  it('gives Slack, Teams and webhooks every incident and maintenance update; webhooks also one message per changed component', () => {
    const d = world();
    const slack = channel(d, 0, 'slack');
    const teams = channel(d, 0, 'teams');
    const hook = channel(d, 0, 'webhook');
    const inc = declare(d, 1, { components: { api: 'major_outage', web: 'degraded_performance' } });
    postUpdate(ctx(d, 2), inc.id, { status: 'identified', body: 'Found.', components: { api: 'major_outage' } });
    postUpdate(ctx(d, 3), inc.id, { status: 'resolved', body: 'Fixed.' });
    const m = scheduleMaintenance(ctx(d, 4), {
      name: 'DB upgrade',
      scheduled_for: at(60).toISOString(),
      scheduled_until: at(120).toISOString(),
      components: ['web'],
    });
    startMaintenance(ctx(d, 60), m.id);
    const [u1, u2, u3] = inc.updates.map((u) => u.id);
    const [m1, m2] = m.updates.map((u) => u.id);
    const messages = channelMessages(d, SINCE);
    // Before: the war rooms got the incident's three updates only, never the window's.
    for (const ch of [slack, teams]) {
      expect(keysOf(messages, ch)).toEqual([`${ch.id}.${u1}`, `${ch.id}.${u2}`, `${ch.id}.${u3}`, `${ch.id}.${m1}`, `${ch.id}.${m2}`]);
      expect(messages.filter((x) => x.channel.id === ch.id).map((x) => x.kind)).toEqual([
        'declared',
        'update',
        'resolved',
        'maintenance',
        'maintenance',
      ]);
    }
    const h = hook.id;
    // The identified update restated api's status: no change, so no component message.
    expect(keysOf(messages, hook)).toEqual([
      `${h}.${u1}`,
      `${h}.${u1}.api`,
      `${h}.${u1}.web`,
      `${h}.${u2}`,
      `${h}.${u3}`,
      `${h}.${u3}.api`,
      `${h}.${u3}.web`,
      `${h}.${m1}`,
      `${h}.${m2}`,
      `${h}.${m2}.web`,
    ]);
    expect(messages.filter((x) => x.channel.id === h).map((x) => x.kind)).toEqual([
      'declared',
      'component',
      'component',
      'update',
      'resolved',
      'component',
      'component',
      'maintenance',
      'maintenance',
      'component',
    ]);
    expect(messages.find((x) => x.key === `${h}.${m2}.web`)?.change).toMatchObject({
      old_status: 'operational',
      new_status: 'under_maintenance',
    });
  });

  it("gives a webhook scoped to components the changes of those components alone: the incident whole, another component's status not", () => {
    const d = world();
    const scoped = channel(d, 0, 'webhook', { components: ['api'] });
    const every = channel(d, 0, 'webhook');
    const inc = declare(d, 1, { components: { api: 'major_outage', web: 'degraded_performance' } });
    const u1 = inc.updates[0]!.id;
    const messages = channelMessages(d, SINCE);
    expect(keysOf(messages, scoped)).toEqual([`${scoped.id}.${u1}`, `${scoped.id}.${u1}.api`]);
    expect(keysOf(messages, every)).toEqual([`${every.id}.${u1}`, `${every.id}.${u1}.api`, `${every.id}.${u1}.web`]);
    // One whose every component was deleted takes in everything, as email does.
    const d2 = db([{ id: 'api' }, { id: 'web' }, { id: 'old' }]);
    const gone = channel(d2, 0, 'webhook', { components: ['old'] });
    deleteComponent(ctx(d2, 1), 'old');
    const later = declare(d2, 2, { components: { api: 'major_outage', web: 'degraded_performance' } });
    const v1 = later.updates[0]!.id;
    expect(keysOf(channelMessages(d2, SINCE), gone)).toEqual([`${gone.id}.${v1}`, `${gone.id}.${v1}.api`, `${gone.id}.${v1}.web`]);
  });

  it("owes an update by the components the incident had then: one planned late (after a later update named the channel's) is not owed", () => {
    const d = world();
    const room = channel(d, 0, 'slack', { components: ['web'] });
    const hook = channel(d, 0, 'webhook', { components: ['web'] });
    const inc = declare(d, 1, { components: { api: 'major_outage' } });
    postUpdate(ctx(d, 2), inc.id, { status: 'identified', body: 'The website too.', components: { web: 'partial_outage' } });
    postUpdate(ctx(d, 3), inc.id, { status: 'monitoring', body: 'Web named in error.', components: { web: null } });
    const [, u2, u3] = inc.updates.map((u) => u.id);
    // Both planned in one pass (a planner that ran late: a restart, a replica taking over).
    const messages = channelMessages(d, SINCE);
    expect(keysOf(messages, room)).toEqual([`${room.id}.${u2}`, `${room.id}.${u3}`]);
    // Its first message is the declaration, at the update that reached it, as when planned at once.
    expect(messages.filter((m) => m.channel.id === room.id).map((m) => m.kind)).toEqual(['declared', 'update']);
    expect(keysOf(messages, hook)).toEqual([`${hook.id}.${u2}`, `${hook.id}.${u2}.web`, `${hook.id}.${u3}`, `${hook.id}.${u3}.web`]);
  });

  it('owes war rooms nothing and a webhook no component message for an incident declared already resolved (a backfill): it is history', () => {
    const d = world();
    const hook = channel(d, 0, 'webhook');
    const slack = channel(d, 0, 'slack');
    const teams = channel(d, 0, 'teams');
    const inc = declare(d, 1, { status: 'resolved', started_at: at(-600).toISOString(), components: { api: 'major_outage' } });
    const messages = channelMessages(d, SINCE);
    // Before: a component_update "api: major_outage" too, while the page shows api operational.
    expect(keysOf(messages, hook)).toEqual([`${hook.id}.${inc.updates[0]!.id}`]);
    // Before: a "declared" message in each war room for an incident long over.
    expect([keysOf(messages, slack), keysOf(messages, teams)]).toEqual([[], []]);
    expect(d.components.find((c) => c.id === 'api')!.status).toBe('operational');
  });

  it('owes a note after the resolution only to a war room told of the incident before it: not for a backfill, not to a room added since; nor its postmortem', () => {
    const d = world();
    const hook = channel(d, 0, 'webhook');
    const early = channel(d, 0, 'slack');
    const backfill = declare(d, 1, {
      name: 'Old',
      status: 'resolved',
      started_at: at(-600).toISOString(),
      components: { api: 'major_outage' },
    });
    const inc = declare(d, 2, { components: { api: 'major_outage' } });
    postUpdate(ctx(d, 10), inc.id, { status: 'resolved', body: 'Fixed.' });
    const late = channel(d, 20, 'teams');
    for (const i of [backfill, inc]) {
      postUpdate(ctx(d, 30), i.id, { status: 'resolved', body: 'Note: customers were refunded.' });
      postUpdate(ctx(d, 31), i.id, { status: 'resolved', body: 'Note: the vendor confirmed it.' });
      savePostmortem(ctx(d, 40), i.id, { body: '## Summary\nDone.', publish: true });
    }
    const messages = channelMessages(d, SINCE, '', SINCE);
    const kinds = (ch: Channel, i: Incident) => messages.filter((m) => m.channel.id === ch.id && m.event.id === i.id).map((m) => m.kind);
    // Before: a "declared" for the first note (then a follow-up, by kind "update") and the postmortem, to each room never told.
    expect([kinds(early, backfill), kinds(late, backfill), kinds(late, inc)]).toEqual([[], [], []]);
    expect(kinds(early, inc)).toEqual(['declared', 'resolved', 'update', 'update', 'postmortem']);
    // A webhook is no war room: it keeps every update, the backfill's notes too.
    expect(kinds(hook, backfill)).toEqual(['declared', 'update', 'update']);
  });

  it('a war room first reached by the resolution (raised at it, or a component named then) gets nothing, nor the postmortem', () => {
    const d = world();
    const critical = channel(d, 0, 'slack', { min_impact: 'critical' });
    const onWeb = channel(d, 0, 'teams', { components: ['web'] });
    const hook = channel(d, 0, 'webhook');
    const inc = declare(d, 1, { severity: 'sev2', impact: 'major', components: { api: 'major_outage' } });
    postUpdate(ctx(d, 20), inc.id, {
      status: 'resolved',
      body: 'Worse than it looked; fixed.',
      severity: 'sev1',
      components: { api: 'operational', web: 'operational' },
    });
    savePostmortem(ctx(d, 40), inc.id, { body: '## Summary\nDone.', publish: true });
    const kinds = (ch: Channel) =>
      channelMessages(d, SINCE, '', SINCE)
        .filter((m) => m.channel.id === ch.id && m.kind !== 'component')
        .map((m) => m.kind);
    // Before: "✅ Incident resolved" (and then the postmortem) to each, as their first word of it.
    expect([kinds(critical), kinds(onWeb)]).toEqual([[], []]);
    // A webhook is no war room: it keeps every update.
    expect(kinds(hook)).toEqual(['declared', 'resolved']);
  });

  it("owes a window's updates by the rule email follows: its components, from when the channel was added, whatever its least impact", () => {
    const d = world();
    const onWeb = channel(d, 0, 'slack', { components: ['web'] });
    const onApi = channel(d, 0, 'teams', { components: ['api'] });
    const majorOnly = channel(d, 0, 'teams', { min_impact: 'critical' });
    const m = scheduleMaintenance(ctx(d, 1), {
      name: 'DB upgrade',
      scheduled_for: at(60).toISOString(),
      scheduled_until: at(120).toISOString(),
      components: ['web'],
    });
    const late = channel(d, 2, 'slack');
    startMaintenance(ctx(d, 60), m.id);
    completeMaintenance(ctx(d, 120), m.id);
    const [scheduled, started, completed] = m.updates.map((u) => u.id);
    const messages = channelMessages(d, SINCE);
    // Before: none of these (Slack and Teams were owed incident updates only).
    expect(keysOf(messages, onWeb)).toEqual([`${onWeb.id}.${scheduled}`, `${onWeb.id}.${started}`, `${onWeb.id}.${completed}`]);
    // A least impact is about incidents: a window has none, and the war room hears of it.
    expect(keysOf(messages, majorOnly)).toEqual([scheduled, started, completed].map((u) => `${majorOnly.id}.${u}`));
    // Scoped to another component: nothing.
    expect(keysOf(messages, onApi)).toEqual([]);
    // Added after the window was scheduled: the steps from then on.
    expect(keysOf(messages, late)).toEqual([`${late.id}.${started}`, `${late.id}.${completed}`]);
    // The planning mark sits at the newest update, which each pass looks at again: the same key, never a new one.
    expect(keysOf(channelMessages(d, at(120).toISOString()), onWeb)).toEqual([`${onWeb.id}.${completed}`]);
    // Read from the outbox at the start, that mark says the update was planned already, maybe by a Herald that
    // owed war rooms no window: not posted to them late (a webhook was owed it then too).
    const hook = channel(d, 0, 'webhook');
    const afterDeploy = channelMessages(d, at(120).toISOString(), at(120).toISOString());
    expect(keysOf(afterDeploy, onWeb)).toEqual([]);
    expect(keysOf(afterDeploy, hook)).toEqual([`${hook.id}.${completed}`, `${hook.id}.${completed}.web`]);
  });

  it('owes nothing when there are no channels', () => {
    const d = world();
    declare(d, 1);
    expect(channelMessages(d, SINCE)).toEqual([]);
  });
});

describe('postmortem messages to Slack and Teams', () => {
  /** The journey's incident, with a webhook and a Teams channel too, resolved at +40 min; its postmortem published at +60. */
  function reviewed() {
    const { d, inc } = journey();
    const [slack] = d.channels;
    const teams = channel(d, 0, 'teams');
    const hook = channel(d, 0, 'webhook');
    savePostmortem(ctx(d, 50), inc.id, { body: '## Summary\nA draft.' });
    savePostmortem(ctx(d, 60), inc.id, { body: '## Summary\nA bad deploy broke card payments for 39 minutes.', publish: true });
    return { d, inc, slack: slack!, teams, hook };
  }
  /** The postmortem messages a pass from `since` plans, with postmortems planned from the start of the test. */
  const owedReviews = (d: Db, since: string, from: string | null = SINCE) =>
    channelMessages(d, since, '', from).filter((m) => m.kind === 'postmortem');
  const BERLIN = { ...SITE, SITE_NAME: 'Example', SITE_TIMEZONE: 'Europe/Berlin' };

  it('owes each war room that heard of the incident one message, dated at the first publication; a webhook none', () => {
    const { d, inc, slack, teams } = reviewed();
    const owed = owedReviews(d, at(40).toISOString());
    expect(owed.map((m) => m.key)).toEqual([`${slack.id}.${inc.id}.postmortem`, `${teams.id}.${inc.id}.postmortem`]);
    // In its place in time: after the resolution it follows.
    const all = channelMessages(d, SINCE, '', SINCE).filter((m) => m.channel.id === slack.id);
    expect(all.map((m) => m.kind)).toEqual(['declared', 'update', 'resolved', 'postmortem']);
    // Dated at the publication: kept to dedupe while the planner may look at it again, dropped once the mark is past it.
    expect(toDelivery(owed[0]!, at(61).toISOString())).toMatchObject({ kind: 'postmortem', event: inc.id, at: at(60).toISOString() });
  });

  it('a draft owes nothing; an edit of the published one owes nothing new, nor one withdrawn and published again', () => {
    const { d, inc } = journey();
    const slack = d.channels[0]!;
    savePostmortem(ctx(d, 50), inc.id, { body: '## Summary\nA draft.' });
    expect(owedReviews(d, at(40).toISOString())).toEqual([]);
    savePostmortem(ctx(d, 60), inc.id, { publish: true });
    const key = `${slack.id}.${inc.id}.postmortem`;
    // The mark moves to the publication, and a pass looks at it again: the same key, which the outbox has.
    expect(owedReviews(d, at(60).toISOString()).map((m) => m.key)).toEqual([key]);
    savePostmortem(ctx(d, 70), inc.id, { body: '## Summary\nBetter words.' });
    expect(owedReviews(d, at(60).toISOString()).map((m) => m.key)).toEqual([key]);
    expect(owedReviews(d, at(60).toISOString())[0]!.at).toBe(at(60).toISOString());
    // Past the mark (a later update anywhere moved it): nothing.
    expect(owedReviews(d, at(65).toISOString())).toEqual([]);
    // Withdrawn and published again: the war room already has it (the audit keeps the first publication).
    savePostmortem(ctx(d, 80), inc.id, { publish: false });
    savePostmortem(ctx(d, 90), inc.id, { publish: true });
    expect(inc.postmortem?.published_at).toBe(at(90).toISOString());
    expect(owedReviews(d, at(80).toISOString())).toEqual([]);
  });

  it('owes nothing for a postmortem published before the outbox planned postmortems (a deploy), or with no mark', () => {
    const { d } = reviewed();
    expect(owedReviews(d, at(40).toISOString(), at(61).toISOString())).toEqual([]);
    expect(owedReviews(d, at(40).toISOString(), null)).toEqual([]);
    expect(owedReviews(d, at(40).toISOString(), at(60).toISOString())).toHaveLength(2);
  });

  it("scopes it as the incident's war-room messages: components, least impact reached, added before; a backfill none", () => {
    const d = world();
    channel(d, 0, 'slack', { components: ['web'] });
    const critical = channel(d, 0, 'teams', { min_impact: 'critical' });
    const all = channel(d, 0, 'slack');
    const inc = declare(d, 1, { impact: 'major', components: { api: 'major_outage' } });
    postUpdate(ctx(d, 10), inc.id, { status: 'resolved', body: 'Fixed.' });
    const late = channel(d, 20, 'slack');
    const raised = declare(d, 30, { name: 'Raised', impact: 'minor', components: { api: 'degraded_performance' } });
    postUpdate(ctx(d, 31), raised.id, { status: 'identified', body: 'Worse.', severity: 'sev1' });
    postUpdate(ctx(d, 32), raised.id, { status: 'resolved', body: 'Fixed.' });
    const backfill = declare(d, 40, { name: 'Old', status: 'resolved', started_at: at(-600).toISOString() });
    for (const [minutes, i] of [
      [50, inc],
      [51, raised],
      [52, backfill],
    ] as const)
      savePostmortem(ctx(d, minutes), i.id, { body: '## Summary\nDone.', publish: true });
    const owed = owedReviews(d, at(45).toISOString());
    const who = (i: Incident) => owed.filter((m) => m.event.id === i.id).map((m) => m.channel.id);
    // Not the channel on web, nor the critical one for a major incident, nor one added after it was over.
    expect(who(inc)).toEqual([all.id]);
    // Raised into the critical channel's scope: it heard of it from the raise on.
    expect(who(raised)).toEqual([critical.id, all.id, late.id]);
    // A backfill gathered no war room.
    expect(who(backfill)).toEqual([]);
  });

  it('Slack: the review published at the level it was reviewed at, the name, resolution, duration, systems, the link to it', async () => {
    const d = world();
    const slack = channel(d, 0, 'slack');
    const inc = declare(d, 1, { components: { api: 'major_outage' } });
    // Lowered before it was resolved: the review is the SEV-1's, as the Resolved message's deadline is.
    postUpdate(ctx(d, 10), inc.id, { status: 'identified', body: 'Smaller than feared.', severity: 'sev3' });
    postUpdate(ctx(d, 40), inc.id, { status: 'resolved', body: 'Fixed.' });
    savePostmortem(ctx(d, 60), inc.id, { body: '## Summary\nDone.', publish: true });
    expect(inc.severity?.label).toBe('SEV-3');
    const [m] = owedReviews(d, at(40).toISOString()).filter((x) => x.channel.id === slack.id);
    const post = await renderPost(slack, toDelivery(m!, at(61).toISOString()), d, BERLIN, at(61));
    const msg = JSON.parse(post!.body);
    expect(msg.text).toBe('📝 Post-incident review published · SEV-1: Card payments failing (Postmortem)');
    expect(msg.blocks[0].text.text).toBe('📝 Post-incident review published · SEV-1');
    expect((msg.blocks[1].fields as Array<{ text: string }>).map((f) => f.text)).toEqual([
      '*Incident*\nCard payments failing',
      '*Resolution time*\n22 Nov 2026, 10:40 CET',
      '*Duration*\n39 min',
      '*Affected systems*\nAPI',
      '*Published*\n22 Nov 2026, 11:00 CET',
    ]);
    expect(msg.blocks.at(-1).elements[0].text).toBe(
      `<https://status.example.test/incidents/${inc.id}#postmortem|Read the review on the status page>`,
    );
  });

  it('Teams: one card with the same facts and a button to the review; nothing once it is withdrawn', async () => {
    const { d, inc, teams } = reviewed();
    const [m] = owedReviews(d, at(40).toISOString()).filter((x) => x.channel.id === teams.id);
    const post = await renderPost(teams, toDelivery(m!, at(61).toISOString()), d, BERLIN, at(61));
    const card = JSON.parse(post!.body).attachments[0].content;
    expect(card.body[0]).toMatchObject({ type: 'TextBlock', text: '📝 Post-incident review published · SEV-1' });
    const texts = JSON.stringify(card.body.slice(1))
      .match(/"text":"(?:[^"\\]|\\.)*"/g)!
      .map((t) => JSON.parse(t.slice(7)));
    expect(texts).toEqual([
      'Card payments failing',
      'Resolution time',
      '22 Nov 2026, 10:40 CET',
      'Duration',
      '39 min',
      'Affected systems',
      'API',
      'Published',
      '22 Nov 2026, 11:00 CET',
    ]);
    expect(card.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Read the review', url: `https://status.example.test/incidents/${inc.id}#postmortem` },
    ]);
    savePostmortem(ctx(d, 70), inc.id, { publish: false });
    expect(await renderPost(teams, toDelivery(m!, at(71).toISOString()), d, BERLIN, at(71))).toBeNull();
  });
});

describe('warRoomFacts and slackMessage', () => {
  it('declared: header, the runbook fields, the text and the link', () => {
    const { d, inc } = journey();
    const msg = slackMessage(facts(d, inc, 0, 'declared'));
    expect(msg.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: '🚨 Incident declared · SEV-1', emoji: true } });
    expect(fieldTexts(msg)).toEqual([
      '*Incident*\nCard payments failing',
      '*Start time*\n22 Nov 2026, 09:01 UTC',
      '*Affected systems*\nAPI',
      '*Customer impact*\nA complete outage, or a critical function unavailable for most customers',
      '*Incident commander*\n@dana',
      '*War room*\n#incident-2026-11-22-card-payments-failing',
      '*Status updates*\nEvery 30 minutes',
      // Runbook 001's "Next Update: [Time]" (before: the cadence alone).
      '*Next update*\n22 Nov 2026, 09:31 UTC',
      '*ETA*\nNot known yet',
    ]);
    expect(msg.blocks[2]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '*Update*\nWe see errors on card payments.' } });
    expect(JSON.stringify(msg.blocks[3])).toContain(
      '<https://status.example.test/incidents/INC-2026-11-22-1|Read more on the status page>',
    );
    expect(msg.text).toBe('🚨 Incident declared · SEV-1: Card payments failing (Investigating)');
  });

  it('names a component deleted since by the name the incident recorded (a message posted late, after the deletion)', () => {
    const { d, inc } = journey();
    deleteComponent(ctx(d, 60), 'api', true);
    expect(fieldTexts(slackMessage(facts(d, inc, 0, 'declared')))).toContain('*Affected systems*\nAPI');
  });

  it('update: status, next update (the level cadence after it), impact, ETA', () => {
    const { d, inc } = journey();
    const msg = slackMessage(facts(d, inc, 1, 'update'));
    expect((msg.blocks[0] as { text: { text: string } }).text.text).toBe('📊 Incident update · SEV-1');
    expect(fieldTexts(msg)).toEqual([
      '*Incident*\nCard payments failing',
      '*Status*\nIdentified',
      '*Next update*\n22 Nov 2026, 09:40 UTC',
      '*Impact*\nA complete outage, or a critical function unavailable for most customers',
      '*ETA*\nNot known yet',
      '*War room*\n#incident-2026-11-22-card-payments-failing',
    ]);
    expect((msg.blocks[2] as { text: { text: string } }).text.text).toBe('*Current actions*\nA bad deploy; rolling back.');
  });

  it('update naming the commander after the declaration: "Incident commander" in its message; later updates and the declaration unchanged', () => {
    const d = world();
    channel(d, 0, 'slack');
    const inc = declare(d, 1, { components: { api: 'major_outage' } });
    expect(fieldTexts(slackMessage(facts(d, inc, 0, 'declared')))).toContain('*Incident commander*\nNot named yet');
    // Before: the update schema refused commander, and this message had no such field.
    postUpdate(ctx(d, 10), inc.id, { status: 'identified', body: 'Dana leads.', commander: '  @dana ' });
    postUpdate(ctx(d, 20), inc.id, { status: 'monitoring', body: 'Fix out.' });
    postUpdate(ctx(d, 30), inc.id, { status: 'monitoring', body: 'Handover.', commander: '@lee' });
    expect(inc.commander).toBe('@lee');
    // The declaration records that it named nobody (null); later updates, whom they named, if anyone.
    expect(inc.updates.map((u) => u.commander)).toEqual([null, '@dana', undefined, '@lee']);
    const named = fieldTexts(slackMessage(facts(d, inc, 1, 'update')));
    expect(named).toEqual([
      '*Incident*\nCard payments failing',
      '*Status*\nIdentified',
      '*Incident commander*\n@dana',
      '*Next update*\n22 Nov 2026, 09:40 UTC',
      '*Impact*\nA complete outage, or a critical function unavailable for most customers',
      '*ETA*\nNot known yet',
      '*War room*\n#incident-2026-11-22-card-payments-failing',
    ]);
    // An update that named nobody says nothing of it; a handover names the new one (Teams shows the same facts).
    expect(fieldTexts(slackMessage(facts(d, inc, 2, 'update'))).some((f) => f.startsWith('*Incident commander*'))).toBe(false);
    expect(fieldTexts(slackMessage(facts(d, inc, 3, 'update')))).toContain('*Incident commander*\n@lee');
    expect(JSON.stringify(teamsMessage(facts(d, inc, 3, 'update')))).toContain('@lee');
  });

  it('update: one that names a component or takes one off gives the affected systems now; one that changes none does not', () => {
    const d = world();
    const inc = declare(d, 1, { components: { api: 'major_outage' } });
    postUpdate(ctx(d, 5), inc.id, { status: 'identified', body: 'The web app too.', components: { web: 'partial_outage' } });
    postUpdate(ctx(d, 10), inc.id, { status: 'identified', body: 'Still on it.' });
    postUpdate(ctx(d, 15), inc.id, { status: 'monitoring', body: 'The web app is fine.', components: { web: null } });
    const affected = (i: number) => fieldTexts(slackMessage(facts(d, inc, i, 'update'))).find((f) => f.startsWith('*Affected systems*'));
    // Before: none of them said it; the war room learned of the web app only if the text did.
    expect([affected(1), affected(2), affected(3)]).toEqual(['*Affected systems*\nAPI and WEB', undefined, '*Affected systems*\nAPI']);
  });

  it('update: an estimate kept from before that has passed says so, as the page does', () => {
    const d = world();
    const inc = declare(d, 1, { components: { api: 'major_outage' }, eta: at(5).toISOString() });
    postUpdate(ctx(d, 10), inc.id, { status: 'identified', body: 'Still on it.' });
    // Before: "*ETA*\n22 Nov 2026, 09:05 UTC" at 09:10, as a promise.
    expect(fieldTexts(slackMessage(facts(d, inc, 1, 'update')))).toContain('*ETA*\n22 Nov 2026, 09:05 UTC (passed)');
    expect(fieldTexts(slackMessage(facts(d, inc, 0, 'declared')))).not.toContain('(passed)');
  });

  it('resolved: resolution time, duration, root cause, post-incident review deadline', () => {
    const { d, inc } = journey();
    const msg = slackMessage(facts(d, inc, 2, 'resolved'));
    expect(fieldTexts(msg)).toEqual([
      '*Incident*\nCard payments failing',
      '*Resolution time*\n22 Nov 2026, 09:40 UTC',
      '*Duration*\n39 min',
      '*Root cause*\nA bad deploy',
      '*Resolution*\nRolled back',
      '*Customer impact*\nA complete outage, or a critical function unavailable for most customers',
      '*Post-incident review*\nDue by 23 Nov 2026, 09:40 UTC',
    ]);
  });

  it('resolved without a root cause: pointed to the review only where one is owed; a later note that tells it brings it to the war room', () => {
    const d = world();
    channel(d, 0, 'slack');
    const minor = declare(d, 1, { severity: 'sev3', impact: 'minor', components: { api: 'degraded_performance' } });
    postUpdate(ctx(d, 20), minor.id, { status: 'resolved', body: 'Fixed.' });
    const resolved = fieldTexts(slackMessage(facts(d, minor, 1, 'resolved')));
    // Before: "*Root cause*\nTo be found in the post-incident review" beside "*Post-incident review*\nNot required".
    expect(resolved.some((f) => f.startsWith('*Root cause*'))).toBe(false);
    expect(resolved).toContain('*Post-incident review*\nNot required');
    postUpdate(ctx(d, 30), minor.id, {
      status: 'resolved',
      body: 'We found the cause.',
      root_cause: 'Disk full on db-3',
      resolution: 'Cleared logs',
    });
    // Before: the follow-up had neither, and the room was left with "to be found in the post-incident review".
    const followUp = fieldTexts(slackMessage(facts(d, minor, 2, 'update')));
    expect(followUp).toContain('*Root cause*\nDisk full on db-3');
    expect(followUp).toContain('*Resolution*\nCleared logs');
    const owed = declare(d, 40, { severity: 'sev1', components: { api: 'major_outage' } });
    postUpdate(ctx(d, 50), owed.id, { status: 'resolved', body: 'Fixed.' });
    expect(fieldTexts(slackMessage(facts(d, owed, 1, 'resolved')))).toContain('*Root cause*\nTo be found in the post-incident review');
  });

  it('says a re-grade in words: raised on an update (Slack and Teams), lowered on the resolution, and why a war room reached by a raise is declared to now', () => {
    const d = world();
    const inc = declare(d, 1, { impact: 'minor', components: { api: 'degraded_performance' } });
    postUpdate(ctx(d, 5), inc.id, { status: 'identified', body: 'Worse than it looked.', severity: 'sev1' });
    postUpdate(ctx(d, 9), inc.id, { status: 'identified', body: 'Still rolling back.' });
    postUpdate(ctx(d, 30), inc.id, { status: 'resolved', body: 'Rolled back.', severity: 'sev2' });
    const raised = fieldTexts(slackMessage(facts(d, inc, 1, 'update')));
    expect(raised.slice(0, 4)).toEqual([
      '*Incident*\nCard payments failing',
      '*Status*\nIdentified',
      '*Severity*\nRaised from SEV-3 to SEV-1',
      '*Next update*\n22 Nov 2026, 09:35 UTC',
    ]);
    expect(JSON.stringify(teamsMessage(facts(d, inc, 1, 'update')))).toContain('"text":"Raised from SEV-3 to SEV-1"');
    // An update that left the severity as it was says nothing of it.
    expect(fieldTexts(slackMessage(facts(d, inc, 2, 'update'))).some((f) => f.startsWith('*Severity*'))).toBe(false);
    expect(fieldTexts(slackMessage(facts(d, inc, 3, 'resolved')))).toContain('*Severity*\nLowered from SEV-1 to SEV-2');
    // Lowered to a level that owes no review, it still owes the one its SEV-1 asked for (24 h after its end at 09:50).
    const lowered = declare(d, 40, { severity: 'sev1' });
    postUpdate(ctx(d, 50), lowered.id, { status: 'resolved', body: 'Smaller than feared.', severity: 'sev3' });
    expect(fieldTexts(slackMessage(facts(d, lowered, 1, 'resolved')))).toContain('*Post-incident review*\nDue by 23 Nov 2026, 09:50 UTC');
    // A major-and-up war room first hears of it at the raise: its declaration says why now.
    expect(fieldTexts(slackMessage(facts(d, inc, 1, 'declared'))).slice(0, 3)).toEqual([
      '*Incident*\nCard payments failing',
      '*Severity*\nRaised from SEV-3 to SEV-1',
      '*Start time*\n22 Nov 2026, 09:01 UTC',
    ]);
  });

  it('names each impact when a re-grade goes between two levels of one label (a scheme switched since): never "from SEV-2 to SEV-2"', () => {
    const d = world();
    // SEV-2 of SEV-1–3 (major), then the scheme switched to SEV-0–3, whose SEV-2 is minor.
    const inc = declare(d, 1, { severity: 'sev2', impact: undefined });
    d.settings.severities = structuredClone(SEVERITY_SCHEMES.find((x) => x.id === 'sev0-sev3')!.levels);
    postUpdate(ctx(d, 5), inc.id, { status: 'identified', body: 'Smaller than feared.', severity: 'sev2' });
    const lowered = facts(d, inc, 1, 'update');
    expect(fieldTexts(slackMessage(lowered))).toContain('*Severity*\nLowered from SEV-2 (Major) to SEV-2 (Minor)');
    expect(severityChangeText(inc.updates[1]!.severity_change!)).toBe('Severity lowered from SEV-2 (Major) to SEV-2 (Minor)');
    expect(severityChangeLine(inc.updates[1]!.severity_change!)).toBe('Severity lowered from SEV-2 (Major) to SEV-2 (Minor)');
    // Labels apart, as before: the console's line adds the impact it left.
    postUpdate(ctx(d, 6), inc.id, { status: 'identified', body: 'Worse.', severity: 'sev0' });
    expect(severityChangeLine(inc.updates[2]!.severity_change!)).toBe('Severity raised from SEV-2 to SEV-0 (Critical)');
  });

  it("gives the next update's time from the time an update dated back reads, and says it is due now when that has passed", () => {
    const d = world();
    const inc = declare(d, 1);
    postUpdate(ctx(d, 20), inc.id, { status: 'identified', body: 'Found it.', display_at: at(12).toISOString() });
    expect(facts(d, inc, 1, 'update').fields).toContainEqual({ label: 'Next update', value: '22 Nov 2026, 09:42 UTC' });
    postUpdate(ctx(d, 60), inc.id, { status: 'monitoring', body: 'Fixed at 25 past.', display_at: at(25).toISOString() });
    expect(facts(d, inc, 2, 'update').fields).toContainEqual({ label: 'Next update', value: 'Now: it was due 22 Nov 2026, 09:55 UTC' });
  });

  it('tells each update at the grade it had then: a message sent late, after a re-grade, keeps its label, cadence and impact', () => {
    const d = world();
    const hook = channel(d, 0, 'webhook');
    const inc = declare(d, 1, { impact: 'minor' });
    postUpdate(ctx(d, 5), inc.id, { status: 'identified', body: 'Worse.', severity: 'sev1' });
    postUpdate(ctx(d, 30), inc.id, { status: 'resolved', body: 'Fixed.', severity: 'sev2' });
    // Sent after the resolution lowered it to SEV-2 (a war room's post retried after an outage of Slack).
    const first = facts(d, inc, 0, 'declared');
    expect(first.title).toBe('🚨 Incident declared · SEV-3');
    expect(first.fields).toContainEqual({ label: 'Status updates', value: 'Every 4 hours' });
    const raised = facts(d, inc, 1, 'update');
    expect(raised.title).toBe('📊 Incident update · SEV-1');
    expect(raised.fields).toContainEqual({ label: 'Next update', value: '22 Nov 2026, 09:35 UTC' });
    const payload = (u: number) =>
      (webhookPayload(channelMessages(d, SINCE).find((m) => m.key === `${hook.id}.${inc.updates[u]!.id}`)!, d, SITE, at(50)) as any)
        .incident;
    expect([0, 1, 2].map((u) => payload(u).impact)).toEqual(['minor', 'critical', 'major']);
    // A level the scheme no longer has (a switch of scheme): its label stands, and the cadence it had, which the
    // re-grade recorded with it (before: "As needed", from a level made of the label alone).
    d.settings.severities = d.settings.severities.filter((l) => l.id !== 'sev1');
    const gone = facts(d, inc, 1, 'update');
    expect(gone.title).toBe('📊 Incident update · SEV-1');
    expect(gone.fields).toContainEqual({ label: 'Next update', value: '22 Nov 2026, 09:35 UTC' });
    // One recorded before re-grades kept the whole level: as before, nothing it could say.
    for (const u of inc.updates) if (u.severity_change) for (const g of [u.severity_change.from, u.severity_change.to]) delete g.level;
    expect(facts(d, inc, 1, 'update').fields).toContainEqual({ label: 'Next update', value: 'As needed' });
  });

  it("tells each update with the incident's components, commander and ETA as they were then: a message sent late tells no later update's", () => {
    const d = world();
    const hook = channel(d, 0, 'webhook');
    const inc = declare(d, 1, { components: { api: 'partial_outage' }, commander: '@alice', eta: at(120).toISOString() });
    postUpdate(ctx(d, 10), inc.id, {
      status: 'identified',
      body: 'The website too; Bob leads.',
      commander: '@bob',
      eta: at(300).toISOString(),
      components: { web: 'major_outage' },
    });
    postUpdate(ctx(d, 20), inc.id, { status: 'monitoring', body: 'API named in error.', components: { api: null } });
    postUpdate(ctx(d, 30), inc.id, { status: 'monitoring', body: 'Not known after all.', eta: null });
    const field = (f: WarRoomFacts, label: string) => f.fields.find((x) => x.label === label)?.value;
    // Sent after every later update (a war room's post retried after an outage of Slack).
    const declared = facts(d, inc, 0, 'declared');
    expect([field(declared, 'Affected systems'), field(declared, 'Incident commander'), field(declared, 'ETA')]).toEqual([
      'API',
      '@alice',
      '22 Nov 2026, 11:00 UTC',
    ]);
    expect(field(facts(d, inc, 1, 'update'), 'ETA')).toBe('22 Nov 2026, 14:00 UTC');
    expect(field(facts(d, inc, 2, 'update'), 'ETA')).toBe('22 Nov 2026, 14:00 UTC');
    expect(field(facts(d, inc, 3, 'update'), 'ETA')).toBe('Not known yet');
    // Declared to a war room reached later (added mid-incident): the incident as that update left it.
    const reached = facts(d, inc, 2, 'declared');
    expect([field(reached, 'Affected systems'), field(reached, 'Incident commander')]).toEqual(['WEB', '@bob']);
    // An incident declared before updates recorded them (schema 6: neither on its declaration) tells what it has
    // now for an update that records none, as before; not "Not named yet".
    const legacy = structuredClone(inc);
    delete legacy.updates[0]!.commander;
    delete legacy.updates[0]!.eta;
    legacy.eta = at(300).toISOString();
    const old = warRoomFacts(d, asOf(legacy, legacy.updates[0]!, d.settings), legacy.updates[0]!, 'declared', SITE, at(50));
    expect([field(old, 'Incident commander'), field(old, 'ETA')]).toEqual(['@bob', '22 Nov 2026, 14:00 UTC']);
    // A webhook's incident names the components it had then, each at its status then.
    const payload = (u: number) =>
      (webhookPayload(channelMessages(d, SINCE).find((m) => m.key === `${hook.id}.${inc.updates[u]!.id}`)!, d, SITE, at(50)) as any)
        .incident;
    expect([0, 1, 2].map((u) => payload(u).components.map((c: any) => `${c.id}:${c.status}`))).toEqual([
      ['api:partial_outage'],
      ['api:partial_outage', 'web:major_outage'],
      ['web:major_outage'],
    ]);
  });

  it('keeps Slack limits: header 150, section text 3,000 with the link when cut, 10 fields of at most 2,000', () => {
    const long: WarRoomFacts = {
      kind: 'update',
      title: 'T'.repeat(400),
      name: 'name '.repeat(1000),
      url: 'https://status.example.test/incidents/INC-1',
      status: 'Identified',
      text: 'word '.repeat(2000),
      fields: Array.from({ length: 15 }, (_, i) => ({ label: `Field ${i}`, value: 'value '.repeat(500) })),
    };
    const msg = slackMessage(long);
    const header = (msg.blocks[0] as { text: { text: string } }).text.text;
    expect(header.length).toBeLessThanOrEqual(150);
    expect(header.endsWith('…')).toBe(true);
    const fields = fieldTexts(msg);
    expect(fields).toHaveLength(10);
    expect(fields.map((f) => f.split('\n')[0])).toEqual(['*Incident*', ...Array.from({ length: 9 }, (_, i) => `*Field ${i}*`)]);
    for (const f of fields) expect(f.length).toBeLessThanOrEqual(2000);
    const section = (msg.blocks[2] as { text: { text: string } }).text.text;
    expect(section.length).toBeLessThanOrEqual(3000);
    expect(section.endsWith('… <https://status.example.test/incidents/INC-1|Read more on the status page>')).toBe(true);
    expect(msg.text.length).toBeGreaterThan(0);
    expect(msg.text.length).toBeLessThanOrEqual(3000);
  });

  it('keeps an emoji shortcode whole in people\'s words (a zero-width space around its _ showed ":rotating_light:" as text)', () => {
    expect(plainMrkdwn('Fixed :white_check_mark: see :rotating_light: and a_b')).toBe(
      'Fixed :white_check_mark: see :rotating_light: and a\u200b_\u200bb',
    );
  });

  it('keeps a war room\'s channel and a commander\'s handle whole (a zero-width space around each _ broke "#inc_queue_backlog")', () => {
    expect(plainMrkdwn('#inc_queue_backlog')).toBe('#inc_queue_backlog');
    expect(plainMrkdwn('@dana_smith and #ops_eu-west.1 on it')).toBe('@dana_smith and #ops_eu-west.1 on it');
    // Formatting characters next to them still show as typed.
    expect(plainMrkdwn('*#a_b* _x_')).toBe('\u200b*\u200b#a_b\u200b*\u200b \u200b_\u200bx\u200b_\u200b');
    expect(plainMrkdwn('a#b_c')).toBe('a#b\u200b_\u200bc');
  });

  it('cuts escaped mrkdwn between entities: a long run of <, > or & never ends "&l…", and every limit holds', () => {
    const link = '<https://status.example.test/incidents/INC-1|Read more on the status page>';
    // Lengths whose cut, made after escaping, fell inside an entity: "&l…", "&am…", "&g…".
    const msg = slackMessage({
      kind: 'update',
      title: 'T',
      name: '>'.repeat(1000),
      url: 'https://status.example.test/incidents/INC-1',
      status: 'Identified',
      text: '&'.repeat(1000),
      fields: [{ label: 'Field', value: '<'.repeat(1000) }],
    });
    const [name = '', field = ''] = fieldTexts(msg);
    const section = (msg.blocks[2] as { text: { text: string } }).text.text;
    const partial = /&(?!(amp|lt|gt);)/;
    expect(field).toMatch(/^\*Field\*\n(&lt;)+…$/);
    // A > opening a line would quote it: a zero-width space goes before it.
    expect(name).toMatch(/^\*Incident\*\n\u200b(&gt;)+…$/);
    expect(section).toMatch(new RegExp(`^\\*Current actions\\*\\n(&amp;)+… ${link.replace(/[|.]/g, '\\$&')}$`));
    expect(msg.text).toMatch(/^T: (&gt;)+…$/);
    for (const [text, max] of [
      [field, 2000],
      [name, 2000],
      [section, 3000],
      [msg.text, 3000],
    ] as const) {
      expect(text).not.toMatch(partial);
      expect(text.length).toBeLessThanOrEqual(max);
      // Cut no shorter than needed: at most one entity's room lost.
      expect(text.length).toBeGreaterThan(max - 6);
    }
  });

  it('escapes &, < and > in mrkdwn fields and text (no <!channel> pings, no fake links)', () => {
    const d = world();
    channel(d, 0, 'slack');
    const inc = declare(d, 1, { name: 'Q&A <!channel> down', body: 'See <https://evil.example|your bank> & <@U123>' });
    const msg = slackMessage(facts(d, inc, 0, 'declared'));
    expect(fieldTexts(msg)[0]).toBe('*Incident*\nQ&amp;A &lt;!channel&gt; down');
    const section = (msg.blocks[2] as { text: { text: string } }).text.text;
    expect(section).not.toMatch(/<(?!https:\/\/status\.example\.test)/);
    expect(section).toContain('&amp;');
    // The fallback `text` is mrkdwn too (notifications and old clients show it).
    expect(msg.text).toBe('🚨 Incident declared · SEV-1: Q&amp;A &lt;!channel&gt; down (Investigating)');
  });

  it('the test message says what the channel will get: its components and least impact', () => {
    const d = world();
    const text = (extra: Partial<Pick<Channel, 'components' | 'min_impact'>>) =>
      (testMessage(channel(d, 0, 'teams', extra), d, { ...SITE, SITE_NAME: 'Acme' }, at(1)) as ReturnType<typeof teamsMessage>)
        .attachments[0]!.content.body[0]!;
    // Before: "… will get incident and maintenance updates." for each.
    expect(JSON.stringify(text({ components: ['web'], min_impact: 'critical' }))).toContain(
      'will get incident and maintenance updates on WEB or naming no component (incidents of critical impact only).',
    );
    expect(JSON.stringify(text({ min_impact: 'major' }))).toContain(
      'will get incident and maintenance updates (incidents of major impact or worse).',
    );
    expect(JSON.stringify(text({}))).toContain('will get incident and maintenance updates.');
  });

  it('escapes the test message too: the site and channel names are not mrkdwn', () => {
    const d = world();
    const ch = createChannel(ctx(d, 0), { kind: 'slack', name: 'Ops <!channel> & co', url: 'https://hooks.example.com/s' });
    const msg = testMessage(ch, d, { ...SITE, SITE_NAME: 'Q&A <https://evil.example|Status>' }, at(1)) as {
      text: string;
      blocks: Array<{ text: { text: string } }>;
    };
    const expected =
      'Test message from Q&amp;A &lt;https://evil.example|Status&gt;: this channel (“Ops &lt;!channel&gt; &amp; co”) will get incident and maintenance updates.';
    expect(msg.text).toBe(expected);
    expect(msg.blocks[0]!.text.text).toBe(expected);
  });
});

describe('maintenance messages to Slack and Teams', () => {
  const BERLIN = { ...SITE, SITE_NAME: 'Example', SITE_TIMEZONE: 'Europe/Berlin' };
  /** A window on web, scheduled with a Markdown text, then moved along by `steps`; a Slack and a Teams channel on it from the start. */
  function windowOf(steps: (d: Db, id: string) => void = () => {}) {
    const d = world();
    const slack = channel(d, 0, 'slack');
    const teams = channel(d, 0, 'teams');
    const m = scheduleMaintenance(ctx(d, 1), {
      name: 'DB upgrade',
      scheduled_for: at(60).toISOString(),
      scheduled_until: at(120).toISOString(),
      components: ['web'],
      body: 'Expect **brief** errors & <!channel> retries.',
    });
    steps(d, m.id);
    /** What each channel gets posted, as renderPost makes it from the outbox record, oldest first. */
    const posted = async (ch: Channel) => {
      const bodies = [];
      for (const msg of channelMessages(d, SINCE).filter((x) => x.channel.id === ch.id)) {
        const post = await renderPost(ch, toDelivery(msg, at(200).toISOString()), d, BERLIN, at(200));
        bodies.push(post && JSON.parse(post.body));
      }
      return bodies;
    };
    return { d, m, slack, teams, posted };
  }
  const slackFields = (msg: any) => (msg.blocks[1].fields as Array<{ text: string }>).map((f) => f.text);
  const cardTexts = (msg: any): string[] =>
    JSON.stringify(msg.attachments[0].content.body)
      .match(/"text":"(?:[^"\\]|\\.)*"/g)!
      .map((t) => JSON.parse(t.slice(7)));

  it("scheduled → started → completed: one Slack message each, in the email's words, with the window in the site's time zone and the components", async () => {
    const { m, slack, posted } = windowOf((d, id) => {
      startMaintenance(ctx(d, 60), id);
      completeMaintenance(ctx(d, 120), id, { body: 'All done; see [the notes](https://example.test/notes).' });
    });
    const msgs = await posted(slack);
    // Before: no message at all (the planner owed Slack none, and renderPost made none of a maintenance delivery).
    expect(msgs.map((x) => x?.blocks[0].text.text)).toEqual([
      '🔧 Scheduled maintenance',
      '🔧 Maintenance started',
      '🔧 Maintenance completed',
    ]);
    expect(msgs.map((x) => x.text)).toEqual([
      '🔧 Scheduled maintenance: DB upgrade (Scheduled)',
      '🔧 Maintenance started: DB upgrade (In progress)',
      '🔧 Maintenance completed: DB upgrade (Completed)',
    ]);
    expect(slackFields(msgs[0])).toEqual([
      '*Maintenance*\nDB upgrade',
      '*Status*\nScheduled',
      '*Window*\n22 Nov 2026, 11:00 CET to 22 Nov 2026, 12:00 CET',
      '*Affected systems*\nWEB',
    ]);
    expect(slackFields(msgs[2])[1]).toBe('*Status*\nCompleted');
    // Once completed, when the work really ran (here it kept to its window; notify-render tests one done early).
    expect(slackFields(msgs[2])[2]).toBe('*Carried out*\n22 Nov 2026, 11:00 CET to 22 Nov 2026, 12:00 CET');
    // The update's text as incident updates give it: plain, with &, < and > escaped for mrkdwn.
    expect(msgs[0].blocks[2].text.text).toBe('*Update*\nExpect brief errors &amp; &lt;!channel&gt; retries.');
    expect(msgs[2].blocks[2].text.text).toBe('*Update*\nAll done; see the notes (https://example.test/notes).');
    // The window's public page; a window gathers no war room.
    expect(msgs[1].blocks[3]).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `<https://status.example.test/incidents/${m.id}|Read more on the status page>` }],
    });
  });

  it('a note on a window started early gives its real start, not the planned one', async () => {
    const { slack, posted } = windowOf((d, id) => {
      startMaintenance(ctx(d, 45), id);
      noteMaintenance(ctx(d, 70), id, { body: 'Half done.', notify: true });
    });
    const msgs = await posted(slack);
    expect(msgs.map((x) => x?.blocks[0].text.text)).toEqual([
      '🔧 Scheduled maintenance',
      '🔧 Maintenance started',
      '🔧 Maintenance update',
    ]);
    // Before: "22 Nov 2026, 11:00 CET to 22 Nov 2026, 12:00 CET", a start still to come for work running since 10:45.
    expect(slackFields(msgs[2])[2]).toBe('*Window*\nStarted 22 Nov 2026, 10:45 CET; scheduled to end 22 Nov 2026, 12:00 CET');
  });

  it('…and one Teams card each, with the same facts', async () => {
    const { m, teams, posted } = windowOf((d, id) => {
      startMaintenance(ctx(d, 60), id);
      completeMaintenance(ctx(d, 120), id);
    });
    const cards = await posted(teams);
    expect(cards.map((c) => c?.attachments[0].content.body[0].text)).toEqual([
      '🔧 Scheduled maintenance',
      '🔧 Maintenance started',
      '🔧 Maintenance completed',
    ]);
    expect(cardTexts(cards[1])).toEqual([
      '🔧 Maintenance started',
      'DB upgrade',
      'Status',
      'In progress',
      'Window',
      'Started 22 Nov 2026, 11:00 CET; scheduled to end 22 Nov 2026, 12:00 CET',
      'Affected systems',
      'WEB',
      'Scheduled maintenance is currently in progress. We will provide updates as necessary.',
    ]);
    expect(cardTexts(cards[0]).at(-1)).toBe('Expect brief errors & <!channel> retries.');
    expect(cards[2].attachments[0].content.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Open the status page', url: `https://status.example.test/incidents/${m.id}` },
    ]);
  });

  it('a rescheduled window gives its new window, a cancelled one what it was scheduled for, as the email does', async () => {
    const { slack, posted } = windowOf((d, id) => {
      rescheduleMaintenance(ctx(d, 5), id, { scheduled_for: at(180).toISOString(), scheduled_until: at(240).toISOString() });
      cancelMaintenance(ctx(d, 10), id);
    });
    const [, moved, cancelled] = await posted(slack);
    expect(moved.text).toBe('🔧 Maintenance rescheduled: DB upgrade (Scheduled)');
    expect(slackFields(moved)[2]).toBe('*New window*\n22 Nov 2026, 13:00 CET to 22 Nov 2026, 14:00 CET');
    expect(cancelled.text).toBe('🔧 Maintenance cancelled: DB upgrade (Cancelled)');
    expect(slackFields(cancelled).slice(1, 3)).toEqual([
      '*Status*\nCancelled',
      '*Was scheduled for*\n22 Nov 2026, 13:00 CET to 22 Nov 2026, 14:00 CET',
    ]);
  });

  it('a note after a cancel reads as cancelled, one after the work as carried out (their status is `completed`)', async () => {
    const called = windowOf((d, id) => {
      cancelMaintenance(ctx(d, 10), id);
      noteMaintenance(ctx(d, 20), id, { body: 'We will reschedule this next month.', notify: true });
    });
    const note = (await called.posted(called.slack)).at(-1);
    // Before: "🔧 Maintenance update: DB upgrade (Completed)", "*Status*\nCompleted", "*Window*\n…".
    expect(note.text).toBe('🔧 Maintenance update: DB upgrade (Cancelled)');
    expect(slackFields(note).slice(1, 3)).toEqual([
      '*Status*\nCancelled',
      '*Was scheduled for*\n22 Nov 2026, 11:00 CET to 22 Nov 2026, 12:00 CET',
    ]);
    const done = windowOf((d, id) => {
      startMaintenance(ctx(d, 60), id);
      completeMaintenance(ctx(d, 100), id);
      noteMaintenance(ctx(d, 110), id, { body: 'All went well.', notify: true });
    });
    // Before: "*Window*\n…".
    expect(slackFields((await done.posted(done.slack)).at(-1)).slice(1, 3)).toEqual([
      '*Status*\nCompleted',
      '*Carried out*\n22 Nov 2026, 11:00 CET to 22 Nov 2026, 11:40 CET',
    ]);
  });

  it('each message tells the window its update recorded, however late it goes: a move or an extension since changes neither', async () => {
    const { slack, posted } = windowOf((d, id) => {
      rescheduleMaintenance(ctx(d, 5), id, { scheduled_for: at(180).toISOString(), scheduled_until: at(240).toISOString() });
      startMaintenance(ctx(d, 180), id);
      rescheduleMaintenance(ctx(d, 190), id, { scheduled_until: at(300).toISOString() });
    });
    // Rendered at minute 200, after every step: before, each said the window as it is now.
    expect((await posted(slack)).map((x) => slackFields(x)[2])).toEqual([
      '*Window*\n22 Nov 2026, 11:00 CET to 22 Nov 2026, 12:00 CET',
      '*New window*\n22 Nov 2026, 13:00 CET to 22 Nov 2026, 14:00 CET',
      '*Window*\nStarted 22 Nov 2026, 13:00 CET; scheduled to end 22 Nov 2026, 14:00 CET',
      '*New window*\nStarted 22 Nov 2026, 13:00 CET; scheduled to end 22 Nov 2026, 15:00 CET',
    ]);
  });

  it('an update saved before windows were recorded tells the window as it is, as before', async () => {
    const { m, slack, posted } = windowOf((d, id) => {
      rescheduleMaintenance(ctx(d, 5), id, { scheduled_for: at(180).toISOString(), scheduled_until: at(240).toISOString() });
    });
    for (const u of m.updates) delete u.window;
    expect((await posted(slack)).map((x) => slackFields(x)[2])).toEqual([
      '*Window*\n22 Nov 2026, 13:00 CET to 22 Nov 2026, 14:00 CET',
      '*New window*\n22 Nov 2026, 13:00 CET to 22 Nov 2026, 14:00 CET',
    ]);
  });
});

describe('teamsMessage', () => {
  type Element = { type: string; text?: string; inlines?: Array<{ type: string; text: string }>; columns?: Array<{ items: Element[] }> };
  /** Every piece of text the card shows, with the element that shows it: TextBlock (read as Markdown) or TextRun (never). */
  const WAR_ROOM_HINT = 'Reply in the war room, not in this thread';
  const texts = (els: Element[]): Array<[string, string]> =>
    els.flatMap(
      (e): Array<[string, string]> => [
        ...(e.type === 'TextBlock' ? [['TextBlock', e.text!] as [string, string]] : []),
        ...(e.inlines ?? []).map((r): [string, string] => [r.type, r.text]),
        ...(e.columns ?? []).flatMap((c) => texts(c.items)),
      ],
    );

  it("keeps the card under Teams' size limit in bytes, in any script: a long text is cut between characters and says where the rest is", () => {
    const { d, inc } = journey();
    const base = facts(d, inc, 0, 'declared');
    // Japanese is 3 bytes a character, an emoji 4: a cut by length alone passed 28 KB (a hostile review's 27,117 B).
    const wide = [
      {
        ...base,
        name: '決済'.repeat(100),
        text: '障害の調査中です。'.repeat(2200),
        fields: [...base.fields, { label: 'Root cause', value: '原因'.repeat(1000) }],
      },
      { ...base, text: `x${'\u{1F600}'.repeat(10_000)}` },
      { ...base, text: `${'"quoted" \\ and\n'.repeat(3000)}` },
      // Eight long facts in Japanese (a second review: 50,915 bytes when only the text was cut).
      {
        ...base,
        text: '障害'.repeat(5000),
        fields: Array.from({ length: 8 }, (_, i) => ({ label: `Fact ${i}`, value: '原因'.repeat(1000) })),
      },
    ];
    for (const f of wide) {
      const msg = teamsMessage(f);
      expect(Buffer.byteLength(JSON.stringify(msg))).toBeLessThanOrEqual(TEAMS_CARD_BYTES);
      const shown = texts(msg.attachments[0]!.content.body as Element[]).map(([, t]) => t);
      expect(shown.at(-1)).toBe(WAR_ROOM_HINT);
      const text = shown.at(-2)!;
      expect(text.isWellFormed()).toBe(true);
      expect(text.endsWith('… (the rest is on the status page)')).toBe(true);
      expect(f.text.startsWith(text.slice(0, -'… (the rest is on the status page)'.length))).toBe(true);
      // Most of the room is used: the text is not cut far shorter than it needs to be.
      expect(Buffer.byteLength(JSON.stringify(msg))).toBeGreaterThan(TEAMS_CARD_BYTES - 600);
    }
    // A text that fits is sent whole.
    expect(texts(teamsMessage(base).attachments[0]!.content.body as Element[]).at(-2)![1]).toBe(base.text);
  });

  it('is one Adaptive Card 1.4 with a row per fact and a button to the status page', () => {
    const { d, inc } = journey();
    const f = facts(d, inc, 0, 'declared');
    const msg = teamsMessage(f);
    expect(msg.type).toBe('message');
    expect(msg.attachments).toHaveLength(1);
    const card = msg.attachments[0]!;
    expect(card.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(card.content).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    const body = card.content.body as Element[];
    expect(body[0]).toMatchObject({ type: 'TextBlock', text: '🚨 Incident declared · SEV-1', style: 'heading' });
    const rows = body.filter((b) => b.type === 'ColumnSet').map((b) => texts([b]).map(([, t]) => t));
    expect(rows).toEqual(f.fields.map((x) => [x.label, x.value]));
    expect(rows.map(([label]) => label)).toContain('Incident commander');
    expect(card.content.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Open the status page', url: 'https://status.example.test/incidents/INC-2026-11-22-1' },
    ]);
  });

  it("an incident's card ends as Slack's message does: reply in the war room, not in the channel post's thread (runbook 003)", () => {
    const { d, inc } = journey();
    for (const [n, kind] of [
      [0, 'declared'],
      [1, 'update'],
    ] as const) {
      const body = teamsMessage(facts(d, inc, n, kind)).attachments[0]!.content.body as Element[];
      // Before: the card ended with the update's text.
      expect(body.at(-1)).toEqual({
        type: 'RichTextBlock',
        inlines: [{ type: 'TextRun', text: WAR_ROOM_HINT, isSubtle: true, size: 'Small' }],
      });
    }
  });

  it('shows names, facts and texts as they are: nothing but its own title goes where Teams reads Markdown', () => {
    const { d, inc } = journey();
    d.components[0]!.name = 'api_gateway_eu';
    inc.name = 'Checkout [down](https://evil.example) *now*';
    const f = facts(d, inc, 0, 'declared');
    const shown = texts(teamsMessage(f).attachments[0]!.content.body as Element[]);
    expect(shown.filter(([type]) => type === 'TextBlock')).toEqual([['TextBlock', '🚨 Incident declared · SEV-1']]);
    expect(shown).toContainEqual(['TextRun', 'Checkout [down](https://evil.example) *now*']);
    expect(shown).toContainEqual(['TextRun', 'api_gateway_eu']);
    // From a hunt: the severity's label, an admin's words, went into the title's TextBlock as Markdown.
    d.settings.severities[0]!.label = 'S[x](http://e) _P1_';
    inc.severity = { ...inc.severity!, label: 'S[x](http://e) _P1_' };
    const title = texts(teamsMessage(facts(d, inc, 0, 'declared')).attachments[0]!.content.body as Element[])[0]![1];
    expect(title!.replace(/\u200b/g, '')).toBe('🚨 Incident declared · S[x](http://e) _P1_');
    expect(title).not.toMatch(/\]\(|(^|\s)_\S/);
    expect(shown).toContainEqual(['TextRun', f.text]);
  });

  it('the test message shows the site and channel names as they are too', () => {
    const d = world();
    const ch = createChannel(ctx(d, 0), { kind: 'teams', name: 'Ops_room_*one*', url: 'https://example.webhook.office.com/x' });
    const msg = testMessage(ch, d, { ...SITE, SITE_NAME: '[Status](https://evil.example)' }, at(1)) as ReturnType<typeof teamsMessage>;
    expect(texts(msg.attachments[0]!.content.body as Element[])).toEqual([
      [
        'TextRun',
        'Test message from [Status](https://evil.example): this channel (“Ops_room_*one*”) will get incident and maintenance updates.',
      ],
    ]);
  });
});

describe('webhookPayload', () => {
  const messagesOf = (d: Db) => {
    const hook = channel(d, 0, 'webhook');
    return {
      hook,
      payload: (key: string, now = at(50)) => webhookPayload(channelMessages(d, SINCE).find((m) => m.key === key)!, d, SITE, now) as any,
    };
  };

  it('carries meta, page and the incident with its updates newest first as of that update (a late send tells no future)', () => {
    const d = world();
    const { hook, payload } = messagesOf(d);
    const inc = declare(d, 1, { components: { api: 'major_outage' } });
    postUpdate(ctx(d, 10), inc.id, { status: 'identified', body: 'Found.' });
    postUpdate(ctx(d, 40), inc.id, { status: 'resolved', body: 'Fixed.', components: { api: 'operational' } });
    const [u1, u2] = inc.updates;
    const body = payload(`${hook.id}.${u2!.id}`);
    expect(Object.keys(body)).toEqual(['meta', 'page', 'incident']);
    expect(body.meta).toEqual({
      unsubscribe: null,
      documentation: 'https://status.example.test/api/v2/summary.json',
      generated_at: at(50).toISOString(),
    });
    // The page and the components as they were at the update, not as the resolve left them.
    expect(overallStatus(d).indicator).toBe('none');
    expect(body.page).toEqual({ id: 'page0000test', status_indicator: 'critical', status_description: 'Major Service Outage' });
    expect(body.incident.components.map((c: any) => [c.id, c.status])).toEqual([['api', 'major_outage']]);
    expect(body.incident).toMatchObject({
      id: inc.id,
      status: 'identified',
      resolved_at: null,
      impact: 'critical',
      updated_at: at(10).toISOString(),
    });
    expect(body.incident.incident_updates.map((u: any) => u.id)).toEqual([u2!.id, u1!.id]);
    expect(body.incident.incident_updates[0]).toMatchObject({ status: 'identified', body: 'Found.', incident_id: inc.id });
  });

  it('dates the declared message as of the declaration, not as of later updates', () => {
    const d = world();
    const { hook, payload } = messagesOf(d);
    const inc = declare(d, 1);
    postUpdate(ctx(d, 40), inc.id, { status: 'resolved', body: 'Fixed.' });
    const body = payload(`${hook.id}.${inc.updates[0]!.id}`);
    expect(body.incident.incident_updates.map((u: any) => u.status)).toEqual(['investigating']);
    expect(body.incident.updated_at).toBe(at(1).toISOString());
  });

  it('gives a component change as component_update and component, consistent with each other', () => {
    const d = world();
    const { hook, payload } = messagesOf(d);
    const inc = declare(d, 1, { components: { api: 'major_outage' } });
    const u1 = inc.updates[0]!.id;
    const timely = payload(`${hook.id}.${u1}.api`, at(1));
    expect(Object.keys(timely)).toEqual(['meta', 'page', 'component_update', 'component']);
    expect(timely.component_update).toEqual({
      id: `${u1}.api`,
      component_id: 'api',
      component_type: 'Component',
      old_status: 'operational',
      new_status: 'major_outage',
      created_at: at(1).toISOString(),
    });
    expect(timely.component).toMatchObject({ id: 'api', name: 'API', status: 'major_outage', page_id: 'page0000test' });
    // Sent late (after a retry or a pause), after the resolution restored api: still the change it announces.
    postUpdate(ctx(d, 40), inc.id, { status: 'resolved', body: 'Fixed.' });
    const late = payload(`${hook.id}.${u1}.api`);
    expect(late.component_update.new_status).toBe('major_outage');
    expect(late.component.status).toBe(late.component_update.new_status);
  });
});
