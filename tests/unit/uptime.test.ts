import { describe, expect, it } from 'vitest';
import { emptyDb, type Db } from '../../src/domain/model.ts';
import type { VerbContext } from '../../src/domain/context.ts';
import type { ComponentStatus } from '../../src/domain/status.ts';
import { createComponent, editComponent } from '../../src/domain/components/manage.ts';
import { HAND_SET_MAX_PERIODS } from '../../src/domain/components/hand-set.ts';
import { declareIncident } from '../../src/domain/incidents/declare.ts';
import { postUpdate } from '../../src/domain/incidents/post-update.ts';
import { scheduleMaintenance } from '../../src/domain/maintenance/schedule.ts';
import { applyDueTransitions } from '../../src/domain/maintenance/due.ts';
import { computeUptime, type DayStatus } from '../../src/domain/uptime.ts';
import { renderMarkdown } from '../../src/render/markdown.ts';
import { dayLabel, percentText, uptimeBars } from '../../src/render/uptime-bars.ts';
import { formatDateTime } from '../../src/domain/time-text.ts';

const NOW = new Date('2026-11-23T12:00:00.000Z');
const ctx = (db: Db, when: string): VerbContext => ({ db, now: new Date(when), actor: 'test', markdown: renderMarkdown });

function base(createdAt = '2026-08-01T00:00:00.000Z'): Db {
  const db = emptyDb('page', createdAt);
  for (const id of ['api', 'web']) createComponent(ctx(db, createdAt), { id, name: id });
  return db;
}

/** An incident on `api` (or `component`) in `status` from `from` until `to` (null: still open), recorded live. */
function outage(db: Db, component: string, status: ComponentStatus, from: string, to: string | null) {
  const inc = declareIncident(ctx(db, from), {
    name: `${status} on ${component}`,
    impact: 'major',
    status: 'investigating',
    body: 'Investigating.',
    components: { [component]: status },
  });
  if (to) postUpdate(ctx(db, to), inc.id, { status: 'resolved', body: 'Resolved.' });
  return inc;
}

type DayExpectation = { worst: DayStatus; minutes?: Partial<Record<ComponentStatus, number>> };
interface Case {
  name: string;
  build: (db: Db) => void;
  created?: string;
  timeZone?: string;
  /** Days not listed must be operational with no minutes (or no data before `created`). */
  days: Record<string, DayExpectation>;
  percent: number;
  component?: string;
  /** First day with data, when not the creation day. */
  noDataBefore?: string;
}

const FULL = 89 * 1440 + 720; // 89 whole days + today until 12:00 UTC, in minutes

/** A partial outage set by hand at noon on 21 Nov and still on at NOW (noon on the 23rd). */
const PARTIAL_SINCE_21_NOON = {
  days: {
    '2026-11-21': { worst: 'partial_outage', minutes: { partial_outage: 720 } },
    '2026-11-22': { worst: 'partial_outage', minutes: { partial_outage: 1440 } },
    '2026-11-23': { worst: 'partial_outage', minutes: { partial_outage: 720 } },
  },
  percent: 100 * (1 - (0.3 * 2880) / FULL),
} satisfies Pick<Case, 'days' | 'percent'>;

const cases: Case[] = [
  {
    name: 'an incident spanning midnight counts on both days',
    build: (db) => outage(db, 'api', 'major_outage', '2026-11-20T23:30:00Z', '2026-11-21T00:45:00Z'),
    days: {
      '2026-11-20': { worst: 'major_outage', minutes: { major_outage: 30 } },
      '2026-11-21': { worst: 'major_outage', minutes: { major_outage: 45 } },
    },
    percent: 100 * (1 - 75 / FULL),
  },
  {
    name: 'overlapping incidents on one component: the worst status counts at each minute',
    build: (db) => {
      outage(db, 'api', 'partial_outage', '2026-11-22T10:00:00Z', '2026-11-22T12:00:00Z');
      outage(db, 'api', 'major_outage', '2026-11-22T11:00:00Z', '2026-11-22T11:30:00Z');
    },
    days: { '2026-11-22': { worst: 'major_outage', minutes: { major_outage: 30, partial_outage: 90 } } },
    percent: 100 * (1 - (30 + 0.3 * 90) / FULL),
  },
  {
    name: 'an open incident counts up to now',
    build: (db) => outage(db, 'api', 'partial_outage', '2026-11-23T09:00:00Z', null),
    days: { '2026-11-23': { worst: 'partial_outage', minutes: { partial_outage: 180 } } },
    percent: 100 * (1 - (0.3 * 180) / FULL),
  },
  {
    name: 'degraded performance is shown but is not downtime',
    build: (db) => outage(db, 'api', 'degraded_performance', '2026-11-01T09:00:00Z', '2026-11-01T10:00:00Z'),
    days: { '2026-11-01': { worst: 'degraded_performance', minutes: { degraded_performance: 60 } } },
    percent: 100,
  },
  {
    name: 'a component created 10 days ago has no data before, and its uptime counts from then',
    created: '2026-11-13T06:00:00Z',
    build: (db) => outage(db, 'api', 'major_outage', '2026-11-15T08:00:00Z', '2026-11-15T09:00:00Z'),
    days: {
      '2026-11-13': { worst: 'operational' },
      '2026-11-15': { worst: 'major_outage', minutes: { major_outage: 60 } },
    },
    percent: 100 * (1 - 60 / (18 * 60 + 9 * 1440 + 720)),
  },
  {
    name: 'a backfilled incident counts when it happened, not when it was recorded',
    build: (db) => {
      const inc = declareIncident(ctx(db, NOW.toISOString()), {
        name: 'Backfilled',
        impact: 'major',
        status: 'investigating',
        body: 'Recorded after the fact.',
        components: { api: 'partial_outage' },
        started_at: '2026-11-10T08:00:00Z',
      });
      postUpdate(ctx(db, NOW.toISOString()), inc.id, { status: 'resolved', body: 'Resolved.', display_at: '2026-11-10T09:30:00Z' });
    },
    days: { '2026-11-10': { worst: 'partial_outage', minutes: { partial_outage: 90 } } },
    percent: 100 * (1 - (0.3 * 90) / FULL),
  },
  {
    name: 'a component added today with an incident backfilled on 15 Nov has data from that incident on',
    created: '2026-11-23T10:00:00Z',
    build: (db) => {
      const inc = declareIncident(ctx(db, NOW.toISOString()), {
        name: 'Backfilled',
        impact: 'critical',
        status: 'investigating',
        body: 'Recorded after the fact.',
        components: { api: 'major_outage' },
        started_at: '2026-11-15T08:00:00Z',
      });
      postUpdate(ctx(db, NOW.toISOString()), inc.id, { status: 'resolved', body: 'Resolved.', display_at: '2026-11-15T09:00:00Z' });
    },
    days: {
      '2026-11-15': { worst: 'major_outage', minutes: { major_outage: 60 } },
      '2026-11-16': { worst: 'operational' },
      '2026-11-23': { worst: 'operational' },
    },
    noDataBefore: '2026-11-15',
    percent: 100 * (1 - 60 / (16 * 60 + 7 * 1440 + 720)),
  },
  {
    name: 'maintenance is shown but is not downtime',
    build: (db) => {
      scheduleMaintenance(ctx(db, '2026-11-21T00:00:00Z'), {
        name: 'Upgrade',
        scheduled_for: '2026-11-22T02:00:00Z',
        scheduled_until: '2026-11-22T03:00:00Z',
        components: ['api'],
      });
      applyDueTransitions(ctx(db, '2026-11-22T02:00:00Z'), { reminderMinutes: 0 });
      applyDueTransitions(ctx(db, '2026-11-22T03:00:00Z'), { reminderMinutes: 0 });
    },
    days: { '2026-11-22': { worst: 'under_maintenance', minutes: { under_maintenance: 60 } } },
    percent: 100,
  },
  {
    name: 'a day with maintenance and degraded performance reads degraded',
    build: (db) => {
      outage(db, 'api', 'degraded_performance', '2026-11-22T05:00:00Z', '2026-11-22T05:10:00Z');
      scheduleMaintenance(ctx(db, '2026-11-21T00:00:00Z'), {
        name: 'Upgrade',
        scheduled_for: '2026-11-22T02:00:00Z',
        scheduled_until: '2026-11-22T03:00:00Z',
        components: ['api'],
      });
      applyDueTransitions(ctx(db, '2026-11-22T04:00:00Z'), { reminderMinutes: 0 });
    },
    days: { '2026-11-22': { worst: 'degraded_performance', minutes: { under_maintenance: 60, degraded_performance: 10 } } },
    percent: 100,
  },
  {
    name: 'days are the page time zone: 22:00–23:00 in New York is 20 Nov there, 21 Nov in UTC',
    timeZone: 'America/New_York',
    build: (db) => outage(db, 'api', 'major_outage', '2026-11-21T03:00:00Z', '2026-11-21T04:00:00Z'),
    days: { '2026-11-20': { worst: 'major_outage', minutes: { major_outage: 60 } } },
    // Today in New York began at 05:00 UTC: 89 local days (one of them 25 h long, 1 Nov) + 7 h.
    percent: 100 * (1 - 60 / (89 * 1440 + 60 + 7 * 60)),
  },
  {
    name: 'a status set by hand, with no incident, counts from the edit',
    build: (db) => editComponent(ctx(db, '2026-11-23T11:00:00Z'), 'api', { status: 'major_outage' }),
    days: { '2026-11-23': { worst: 'major_outage', minutes: { major_outage: 60 } } },
    percent: 100 * (1 - 60 / FULL),
  },
  {
    // Before: counted from the last edit of any field, so the description erased 21 Nov and most of 22 Nov.
    name: 'a status set by hand counts from when it was set, whatever was edited since (name, description, status again)',
    build: (db) => {
      editComponent(ctx(db, '2026-11-21T12:00:00Z'), 'api', { status: 'partial_outage' });
      editComponent(ctx(db, '2026-11-22T20:00:00Z'), 'api', { description: 'The public API', name: 'Public API' });
      editComponent(ctx(db, '2026-11-23T06:00:00Z'), 'api', { status: 'partial_outage', position: 3 });
    },
    ...PARTIAL_SINCE_21_NOON,
  },
  {
    name: 'a status set by hand in data from before status_since still counts from then after an edit',
    build: (db) => {
      editComponent(ctx(db, '2026-11-21T12:00:00Z'), 'api', { status: 'partial_outage' });
      delete db.components.find((c) => c.id === 'api')!.status_since;
      editComponent(ctx(db, '2026-11-22T20:00:00Z'), 'api', { description: 'The public API' });
    },
    ...PARTIAL_SINCE_21_NOON,
  },
  {
    // Before: the row said "100 % uptime" and 22 Nov was clean once the status was set back.
    name: 'a status set by hand and set back by hand still counts, from the edit to the next',
    build: (db) => {
      editComponent(ctx(db, '2026-11-22T10:00:00Z'), 'api', { status: 'major_outage' });
      editComponent(ctx(db, '2026-11-22T10:30:00Z'), 'api', { status: 'operational' });
    },
    days: { '2026-11-22': { worst: 'major_outage', minutes: { major_outage: 30 } } },
    percent: 100 * (1 - 30 / FULL),
  },
  {
    name: 'each of several statuses set by hand counts for as long as it was shown',
    build: (db) => {
      editComponent(ctx(db, '2026-11-20T08:00:00Z'), 'api', { status: 'partial_outage' });
      editComponent(ctx(db, '2026-11-20T09:00:00Z'), 'api', { status: 'major_outage' });
      editComponent(ctx(db, '2026-11-20T09:20:00Z'), 'api', { status: 'degraded_performance' });
      editComponent(ctx(db, '2026-11-20T10:00:00Z'), 'api', { status: 'operational' });
    },
    days: { '2026-11-20': { worst: 'major_outage', minutes: { partial_outage: 60, major_outage: 20, degraded_performance: 40 } } },
    percent: 100 * (1 - (20 + 0.3 * 60) / FULL),
  },
  {
    name: 'a component created in trouble counts from its creation once set back',
    component: 'new',
    build: (db) => {
      createComponent(ctx(db, '2026-11-23T09:00:00Z'), { id: 'new', name: 'New', status: 'major_outage' });
      editComponent(ctx(db, '2026-11-23T09:45:00Z'), 'new', { status: 'operational' });
    },
    created: '2026-11-23T09:00:00Z',
    days: { '2026-11-23': { worst: 'major_outage', minutes: { major_outage: 45 } } },
    percent: 100 * (1 - 45 / 180),
  },
  {
    name: 'a status set by hand counts until an incident takes the component over, then the incident counts',
    build: (db) => {
      editComponent(ctx(db, '2026-11-21T12:00:00Z'), 'api', { status: 'partial_outage' });
      outage(db, 'api', 'degraded_performance', '2026-11-21T14:00:00Z', '2026-11-21T15:00:00Z');
    },
    days: { '2026-11-21': { worst: 'partial_outage', minutes: { partial_outage: 120, degraded_performance: 60 } } },
    percent: 100 * (1 - (0.3 * 120) / FULL),
  },
  {
    name: 'a status set by hand counts until a maintenance window takes the component over',
    build: (db) => {
      editComponent(ctx(db, '2026-11-22T00:30:00Z'), 'api', { status: 'major_outage' });
      scheduleMaintenance(ctx(db, '2026-11-21T00:00:00Z'), {
        name: 'Upgrade',
        scheduled_for: '2026-11-22T02:00:00Z',
        scheduled_until: '2026-11-22T03:00:00Z',
        components: ['api'],
      });
      applyDueTransitions(ctx(db, '2026-11-22T02:00:00Z'), { reminderMinutes: 0 });
      applyDueTransitions(ctx(db, '2026-11-22T03:00:00Z'), { reminderMinutes: 0 });
    },
    days: { '2026-11-22': { worst: 'major_outage', minutes: { major_outage: 90, under_maintenance: 60 } } },
    percent: 100 * (1 - 90 / FULL),
  },
  {
    // Before: the row said "Major outage" and status.json critical, while the bar said degraded and 100 %.
    name: 'a status set by hand while an incident holds the component counts, the worse of the two',
    build: (db) => {
      outage(db, 'api', 'degraded_performance', '2026-11-23T09:00:00Z', null);
      editComponent(ctx(db, '2026-11-23T10:00:00Z'), 'api', { status: 'major_outage' });
    },
    days: { '2026-11-23': { worst: 'major_outage', minutes: { degraded_performance: 60, major_outage: 120 } } },
    percent: 100 * (1 - 120 / FULL),
  },
  {
    name: 'a status set by hand over an incident still counts once set back, the incident going on',
    build: (db) => {
      outage(db, 'api', 'degraded_performance', '2026-11-23T09:00:00Z', null);
      editComponent(ctx(db, '2026-11-23T10:00:00Z'), 'api', { status: 'major_outage' });
      editComponent(ctx(db, '2026-11-23T11:00:00Z'), 'api', { status: 'degraded_performance' });
    },
    days: { '2026-11-23': { worst: 'major_outage', minutes: { degraded_performance: 120, major_outage: 60 } } },
    percent: 100 * (1 - 60 / FULL),
  },
  {
    name: 'a status set by hand in data from before hand_set was kept still counts after it is set back',
    build: (db) => {
      editComponent(ctx(db, '2026-11-21T12:00:00Z'), 'api', { status: 'partial_outage' });
      delete db.components.find((c) => c.id === 'api')!.hand_set;
      editComponent(ctx(db, '2026-11-22T12:00:00Z'), 'api', { status: 'operational' });
    },
    days: {
      '2026-11-21': { worst: 'partial_outage', minutes: { partial_outage: 720 } },
      '2026-11-22': { worst: 'partial_outage', minutes: { partial_outage: 720 } },
    },
    percent: 100 * (1 - (0.3 * 1440) / FULL),
  },
  {
    name: 'a status set by hand before the 90 days counts only inside them',
    build: (db) => {
      editComponent(ctx(db, '2026-08-20T00:00:00Z'), 'api', { status: 'major_outage' });
      editComponent(ctx(db, '2026-08-27T00:00:00Z'), 'api', { status: 'operational' });
    },
    days: { '2026-08-26': { worst: 'major_outage', minutes: { major_outage: 1440 } } },
    percent: 100 * (1 - 1440 / FULL),
  },
  {
    name: 'an incident on another component leaves this one untouched',
    component: 'web',
    build: (db) => outage(db, 'api', 'major_outage', '2026-11-20T10:00:00Z', '2026-11-20T11:00:00Z'),
    days: {},
    percent: 100,
  },
];

describe('computeUptime', () => {
  it.each(cases)('$name', (c) => {
    const db = base(c.created);
    c.build(db);
    const uptime = computeUptime(db, NOW, { days: 90, timeZone: c.timeZone ?? 'UTC' }).get(c.component ?? 'api')!;
    expect(uptime.days).toHaveLength(90);
    expect(uptime.days.at(-1)!.date).toBe('2026-11-23');
    expect(uptime.days[0]!.date).toBe('2026-08-26');
    const created = c.noDataBefore ?? (c.created ? c.created.slice(0, 10) : '0000');
    for (const day of uptime.days) {
      const want = c.days[day.date] ?? { worst: day.date < created ? 'no_data' : 'operational', minutes: {} };
      expect({ date: day.date, worst: day.worst }).toEqual({ date: day.date, worst: want.worst });
      if (want.minutes) expect({ date: day.date, minutes: day.minutes }).toEqual({ date: day.date, minutes: want.minutes });
    }
    expect(uptime.percent).toBeCloseTo(c.percent, 6);
  });

  it('reports no percentage for a component created in the future of the window (no minute observed)', () => {
    const db = base();
    createComponent(ctx(db, '2026-11-23T12:00:00Z'), { id: 'new', name: 'New' });
    const u = computeUptime(db, NOW).get('new')!;
    expect(u.percent).toBeNull();
    expect(u.days.every((d) => d.worst === 'no_data')).toBe(true);
  });
});

describe('hand-set periods', () => {
  it('are kept only while the bars can show them: older ones go at the next change', () => {
    const db = base();
    editComponent(ctx(db, '2026-08-02T10:00:00Z'), 'api', { status: 'major_outage' });
    editComponent(ctx(db, '2026-08-02T11:00:00Z'), 'api', { status: 'operational' });
    editComponent(ctx(db, '2026-11-01T10:00:00Z'), 'api', { status: 'partial_outage' });
    editComponent(ctx(db, '2026-11-01T10:30:00Z'), 'api', { status: 'operational' });
    const api = () => db.components.find((c) => c.id === 'api')!;
    // 1 Nov: 2 Aug ended 91 days before, still within reach of the bars in some time zone.
    expect(api().hand_set?.map((p) => p.from)).toEqual(['2026-08-02T10:00:00.000Z', '2026-11-01T10:00:00.000Z']);
    editComponent(ctx(db, '2026-11-23T12:00:00Z'), 'api', { status: 'degraded_performance' });
    expect(api().hand_set).toEqual([
      { status: 'partial_outage', from: '2026-11-01T10:00:00.000Z', to: '2026-11-01T10:30:00.000Z' },
      { status: 'degraded_performance', from: '2026-11-23T12:00:00.000Z', to: null },
    ]);
  });

  it('stay bounded for a status flapping every minute: the oldest merge, counting more downtime, never less', () => {
    const db = base();
    const start = Date.parse('2026-11-20T00:00:00Z');
    for (let i = 0; i < 2 * HAND_SET_MAX_PERIODS + 10; i++) {
      const at = new Date(start + i * 60_000).toISOString();
      editComponent(ctx(db, at), 'api', { status: i % 2 === 0 ? 'degraded_performance' : 'operational' });
    }
    editComponent(ctx(db, new Date(start + 2_000 * 60_000).toISOString()), 'api', { status: 'major_outage' });
    const periods = db.components.find((c) => c.id === 'api')!.hand_set!;
    expect(periods.length).toBeLessThanOrEqual(HAND_SET_MAX_PERIODS);
    // The newest are as set; the merged oldest cover their span, at the worse status.
    expect(periods.at(-1)).toMatchObject({ status: 'major_outage', to: null });
    expect(periods[0]!.from).toBe('2026-11-20T00:00:00.000Z');
    const degradedMinutes = periods
      .filter((p) => p.status === 'degraded_performance')
      .reduce((m, p) => m + (Date.parse(p.to!) - Date.parse(p.from)) / 60_000, 0);
    expect(degradedMinutes).toBeGreaterThanOrEqual(HAND_SET_MAX_PERIODS + 5);
    // The audit keeps each edit without the periods (copied into every entry, they grew it by their square).
    expect(db.audit.length).toBeGreaterThan(1_000);
    expect(JSON.stringify(db.audit)).not.toContain('hand_set');
  });

  it('are not recorded for a component only ever operational or set by incidents', () => {
    const db = base();
    outage(db, 'api', 'major_outage', '2026-11-22T10:00:00Z', '2026-11-22T11:00:00Z');
    editComponent(ctx(db, '2026-11-22T12:00:00Z'), 'api', { status: 'operational', name: 'API' });
    expect(db.components.find((c) => c.id === 'api')!.hand_set).toBeUndefined();
  });
});

describe('uptimeBars', () => {
  it('show a status set by hand and set back: the day and the figure (bug: "100 % uptime", a clean day)', () => {
    const db = base();
    editComponent(ctx(db, '2026-11-23T10:00:00Z'), 'api', { status: 'major_outage' });
    editComponent(ctx(db, '2026-11-23T10:01:00Z'), 'api', { status: 'operational' });
    const bar = uptimeBars(db, NOW, 'UTC').get('api')!;
    expect(bar.cells.at(-1)).toEqual({ cls: 'u-major_outage', label: '23 Nov: major outage for 1 min' });
    expect(bar.percentText).toBe('99.99 % uptime');
  });

  it('lists the days with trouble newest first, each with the incidents behind it (a status set by hand names none); ordinary and no-data days are not listed', () => {
    const db = base('2026-11-01T00:00:00.000Z');
    const overnight = outage(db, 'api', 'partial_outage', '2026-11-18T23:00:00Z', '2026-11-19T01:00:00Z');
    editComponent(ctx(db, '2026-11-21T09:00:00Z'), 'api', { status: 'degraded_performance' });
    editComponent(ctx(db, '2026-11-21T09:20:00Z'), 'api', { status: 'operational' });
    // Two at once: the worse colours the day, and both are named, the first started first.
    const first = outage(db, 'api', 'partial_outage', '2026-11-22T08:00:00Z', '2026-11-22T09:00:00Z');
    const second = outage(db, 'api', 'major_outage', '2026-11-22T08:30:00Z', '2026-11-22T08:40:00Z');
    outage(db, 'web', 'major_outage', '2026-11-20T08:00:00Z', '2026-11-20T09:00:00Z');
    const bar = uptimeBars(db, NOW, 'UTC').get('api')!;
    expect(bar.troubleDays).toEqual([
      {
        label: '22 Nov: major outage for 10 min, partial outage for 50 min',
        events: [
          { id: first.id, name: 'partial_outage on api' },
          { id: second.id, name: 'major_outage on api' },
        ],
      },
      { label: '21 Nov: degraded performance for 20 min', events: [] },
      { label: '19 Nov: partial outage for 1 h', events: [{ id: overnight.id, name: 'partial_outage on api' }] },
      { label: '18 Nov: partial outage for 1 h', events: [{ id: overnight.id, name: 'partial_outage on api' }] },
    ]);
    expect(
      uptimeBars(db, NOW, 'UTC')
        .get('web')!
        .troubleDays.map((d) => d.label),
    ).toEqual(['20 Nov: major outage for 1 h']);
  });

  it('says since when the figure runs for a component younger than the bar, and over 90 days for one older', () => {
    const db = base();
    // Four minutes old, with an outage of two: the figure is of those four minutes, not of 90 days.
    createComponent(ctx(db, '2026-11-23T11:56:00Z'), { id: 'new', name: 'New' });
    outage(db, 'new', 'major_outage', '2026-11-23T11:57:00Z', '2026-11-23T11:59:00Z');
    const bars = uptimeBars(db, NOW, 'UTC');
    expect(bars.get('new')).toMatchObject({ percentText: '50.00 % uptime', since: '23 Nov' });
    expect(bars.get('api')).toMatchObject({ percentText: '100 % uptime', since: null });
    // Days are the page's: at UTC+14 the component was made on the 24th.
    expect(uptimeBars(db, NOW, 'Pacific/Kiritimati').get('new')!.since).toBe('24 Nov');
  });

  it('a component named by a backfilled incident from before the bar has data on every day of it', () => {
    // From a review: an incident of 27 Aug (over before the window) counted for nothing, and the component added
    // today read "100 % uptime since 23 Nov" with 89 days of "no data", where one of 16 Sept gave it more.
    const db = base();
    createComponent(ctx(db, '2026-11-23T10:00:00Z'), { id: 'search', name: 'Search' });
    const inc = declareIncident(ctx(db, '2026-11-23T10:05:00Z'), {
      name: 'Search slow',
      impact: 'minor',
      status: 'investigating',
      body: 'Recorded after the fact.',
      components: { search: 'degraded_performance' },
      started_at: '2026-08-20T10:00:00Z',
    });
    postUpdate(ctx(db, '2026-11-23T10:06:00Z'), inc.id, { status: 'resolved', body: 'Resolved.', display_at: '2026-08-20T11:00:00Z' });
    const bar = uptimeBars(db, NOW, 'UTC').get('search')!;
    expect(bar).toMatchObject({ percentText: '100 % uptime', since: null });
    expect(bar.cells.filter((c) => c.cls === 'u-no_data')).toEqual([]);
  });

  it('rounds the figure down, but never below the ratio floating point misses by a hair', () => {
    // 16 minutes down in 10,000 is 99.84 %: computed as 99.83999999999999, it read 99.83.
    expect(percentText(100 * (1 - 16 / 10_000))).toBe('99.84 % uptime');
    expect(percentText(99.8399)).toBe('99.83 % uptime');
    expect(percentText(99.999)).toBe('99.99 % uptime');
  });

  it("today's cell and the figure keep counting an outage still running, with no write to the data", () => {
    const db = base();
    outage(db, 'api', 'major_outage', '2026-11-23T10:00:00Z', null);
    const at = (iso: string) => uptimeBars(db, new Date(iso), 'UTC').get('api')!;
    expect(at('2026-11-23T10:05:00Z').cells.at(-1)!.label).toBe('23 Nov: major outage for 5 min');
    expect(at('2026-11-23T10:06:00Z').cells.at(-1)!.label).toBe('23 Nov: major outage for 6 min');
    // Before: still "for 5 min" five hours later, until something was written.
    const later = at('2026-11-23T15:00:00Z');
    expect(later.cells.at(-1)!.label).toBe('23 Nov: major outage for 5 h');
    expect(later.percentText).toBe(computeUptimePercent(db, '2026-11-23T15:00:00Z'));
  });

  it("in the first minute of a local day today is observed: an outage running at midnight shows in today's cell and its days with issues", () => {
    const db = base();
    const running = outage(db, 'api', 'major_outage', '2026-11-22T21:30:00Z', null);
    // Midnight in Paris (UTC+1): the page clock's first minute of 23 Nov there.
    const bars = uptimeBars(db, new Date('2026-11-22T23:00:00Z'), 'Europe/Paris');
    const api = bars.get('api')!;
    // Before: "23 Nov: no data" and a no-data cell, the outage left out of today.
    expect(api.cells.at(-1)!.cls).toBe('u-major_outage');
    expect(api.cells.at(-1)!.label).toMatch(/^23 Nov: major outage for /);
    expect(api.troubleDays.map((d) => [d.label.slice(0, 6), d.events.map((e) => e.id)])).toEqual([
      ['23 Nov', [running.id]],
      ['22 Nov', [running.id]],
    ]);
    // A component in no trouble is observed today too, operational rather than without data.
    expect(bars.get('web')!.cells.at(-1)).toEqual({ cls: 'u-operational', label: '23 Nov: operational' });
  });

  it('the bars of a data version are computed once per page clock (every page rendered in that minute shares them)', () => {
    const db = base();
    outage(db, 'api', 'major_outage', '2026-11-23T10:00:00Z', '2026-11-23T10:30:00Z');
    const first = uptimeBars(db, new Date('2026-11-23T11:00:00Z'), 'UTC');
    expect(uptimeBars(db, new Date('2026-11-23T11:00:00Z'), 'UTC')).toBe(first);
    expect(uptimeBars(db, new Date('2026-11-23T11:01:00Z'), 'UTC')).not.toBe(first);
  });

  it('a component made or gone down mid-minute is measured again when the minute turns, not kept at nothing measured', () => {
    const db = base();
    // The page clock at the write is the write itself (src/snapshot/page-cache.ts pageClock): nothing to measure yet.
    createComponent(ctx(db, '2026-11-23T10:00:20Z'), { id: 'new', name: 'New' });
    const made = uptimeBars(db, new Date('2026-11-23T10:00:20Z'), 'UTC').get('new')!;
    expect(made.percentText).toBeNull();
    const next = uptimeBars(db, new Date('2026-11-23T10:01:00Z'), 'UTC').get('new')!;
    expect(next).toMatchObject({ percentText: '100 % uptime', since: '23 Nov' });
    expect(next.cells.at(-1)!.label).toBe('23 Nov: operational');
    // Down at 10:01:30, the next minute's bars say so.
    outage(db, 'new', 'major_outage', '2026-11-23T10:01:30Z', null);
    expect(uptimeBars(db, new Date('2026-11-23T10:02:00Z'), 'UTC').get('new')!.cells.at(-1)!.label).toMatch(/major outage/);
  });
});

const computeUptimePercent = (db: Db, iso: string) =>
  percentText(computeUptime(db, new Date(iso), { days: 90, timeZone: 'UTC' }).get('api')!.percent);

describe("the bar's dates", () => {
  it('write the month as the rest of the page does (Intl en-GB: "Sept", not a list of our own saying "Sep")', () => {
    const day = { date: '2026-09-15', worst: 'major_outage', minutes: { major_outage: 12 } } as const;
    // Before: "15 Sep: major outage for 12 min" beside "15 Sept 2026, 10:00 UTC" in the incident's own times.
    const month = formatDateTime('2026-09-15T10:00:00Z', 'UTC').split(' ')[1];
    expect(dayLabel(day as never)).toBe(`15 ${month}: major outage for 12 min`);
    expect(dayLabel({ ...day, date: '2026-11-02' } as never)).toBe('2 Nov: major outage for 12 min');
  });
});
