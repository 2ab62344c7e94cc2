import { describe, expect, it } from 'vitest';
import { createComponent, editComponent } from '../../src/domain/components/manage.ts';
import { newestFirst } from '../../src/domain/overall.ts';
import { v2Document } from '../../src/read/statuspage.ts';
import { componentsJson } from '../../src/read/statuspage-records.ts';
import { ctx, db, incident, maintenance, update } from '../helpers/db.ts';

/**
 * What the v2 lists hold and in which order, where a review found a client misled. statuspage.js documents
 * incidents.json as "the 50 most recent incidents. This includes all unresolved incidents" and reads only
 * `incidents[0].incident_updates[0]` from it; scheduled-maintenances.json as including "active and upcoming".
 */
const SITE = { SITE_URL: 'https://status.example.com', SITE_NAME: 'Example', SITE_TIMEZONE: 'UTC' };
const day = (n: number) => new Date(Date.UTC(2026, 5, 1 + n)).toISOString();
type Listed = { id: string; incident_updates: Array<{ id: string }> };
const ids = (doc: object, key: string) => ((doc as Record<string, Listed[]>)[key] ?? []).map((r) => r.id);

describe('a list cut at 50 keeps what is going on now', () => {
  it('incidents.json: an open incident declared with a start before 50 resolved ones (a backfill) is listed', () => {
    const d = db();
    for (let n = 0; n < 55; n++) d.incidents.push(incident(`INC-R-${n}`, 'minor', 'resolved', { started_at: day(n), created_at: day(n) }));
    d.incidents.push(
      incident('INC-OPEN', 'minor', 'identified', { started_at: '2026-05-01T00:00:00.000Z', created_at: '2026-12-04T00:00:00.000Z' }),
    );
    const listed = ids(v2Document('incidents', d, SITE), 'incidents');
    // Before: the 50 latest starts, the open incident not among them.
    expect(listed).toContain('INC-OPEN');
    // Newest first still, the cut made among the resolved ones.
    expect(listed).toHaveLength(50);
    expect(listed.slice(0, 2)).toEqual(['INC-R-54', 'INC-R-53']);
    expect(listed.at(-1)).toBe('INC-OPEN');
  });

  it('scheduled-maintenances.json: the running window and the next one are listed with 50 planned further ahead', () => {
    const d = db();
    d.maintenances.push(maintenance('MNT-NOW', 'in_progress'));
    d.maintenances.push(
      maintenance('MNT-DONE', 'completed', { scheduled_for: '2026-11-01T00:00:00.000Z', scheduled_until: '2026-11-01T01:00:00.000Z' }),
    );
    for (let n = 1; n <= 50; n++) {
      const from = new Date(Date.UTC(2026, 11, 10 + 7 * n, 2));
      d.maintenances.push(
        maintenance(`MNT-W${n}`, 'scheduled', {
          scheduled_for: from.toISOString(),
          scheduled_until: new Date(from.getTime() + 3_600_000).toISOString(),
        }),
      );
    }
    const listed = ids(v2Document('scheduled-maintenances', d, SITE), 'scheduled_maintenances');
    // Before: the 50 windows planned furthest ahead only.
    expect(listed).toContain('MNT-NOW');
    expect(listed).toContain('MNT-W1');
    expect(listed).not.toContain('MNT-DONE');
    expect(listed).toHaveLength(51);
  });
});

describe('order by instant, whatever offset a stored time carries (data imported or written by hand)', () => {
  it('incident_updates newest first: clients read [0] as the latest', () => {
    const d = db();
    d.incidents.push(
      incident('INC-1', 'minor', 'resolved', {
        updates: [update('first', 'investigating', '2026-12-04T05:00:00+05:00'), update('last', 'resolved', '2026-12-04T03:00:00.000Z')],
      }),
    );
    const [listed] = (v2Document('incidents', d, SITE) as { incidents: Listed[] }).incidents;
    // Before: "2026-12-04T05…" sorted after "2026-12-04T03…" as text, the first update read as the latest.
    expect(listed!.incident_updates.map((u) => u.id)).toEqual(['last', 'first']);
  });

  it('incidents newest first by start', () => {
    const list = [
      incident('INC-EARLY', 'minor', 'resolved', { started_at: '2026-12-04T04:00:00+05:00' }), // 23:00 the day before
      incident('INC-LATE', 'minor', 'resolved', { started_at: '2026-12-04T01:00:00.000Z' }),
    ];
    expect(newestFirst(list).map((i) => i.id)).toEqual(['INC-LATE', 'INC-EARLY']);
  });

  it("a group's updated_at is its latest change by instant", () => {
    const d = db();
    createComponent(ctx(d), { name: 'API', group: 'Core' });
    editComponent(ctx(d, 30), 'api', { status: 'degraded_performance' });
    d.groups[0]!.updated_at = '2026-11-22T14:00:00+05:00'; // 09:00Z, before the component's 09:30Z
    const core = componentsJson(d, 'UTC').find((c) => c.name === 'Core')!;
    expect(core.updated_at).toBe(ctx(d, 30).now.toISOString());
  });
});

describe("a component's start_date is a day in SITE_TIMEZONE, as its uptime days are", () => {
  const at = (site: typeof SITE, createdAt: string) => {
    const d = db();
    createComponent(ctx(d), { name: 'API' });
    d.components[0]!.created_at = createdAt;
    // Declared as it was added: one from before would move its start_date there (the bar's first day).
    d.incidents.push(incident('INC-1', 'minor', 'investigating', { components: ['api'], started_at: createdAt, created_at: createdAt }));
    const dates = (doc: object) =>
      [
        ...((doc as { components?: Array<{ start_date: string | null; group: boolean }> }).components ?? []),
        ...((doc as { incidents?: Array<{ components: Array<{ start_date: string | null }> }> }).incidents ?? []).flatMap(
          (i) => i.components,
        ),
      ].map((c) => c.start_date);
    return [...dates(v2Document('components', d, site)), ...dates(v2Document('summary', d, site))];
  };

  it('added at 14:23Z on 5 Dec: 6 Dec in Kiritimati (UTC+14), 5 Dec in UTC', () => {
    // Before: the UTC date everywhere, a day before the status page's first uptime day there.
    expect(at({ ...SITE, SITE_TIMEZONE: 'Pacific/Kiritimati' }, '2026-12-05T14:23:00.000Z')).toEqual(Array(3).fill('2026-12-06'));
    expect(at(SITE, '2026-12-05T14:23:00.000Z')).toEqual(Array(3).fill('2026-12-05'));
  });

  it('added at 21:30 EST on 5 Dec (02:30Z on the 6th): 5 Dec in New York', () => {
    expect(at({ ...SITE, SITE_TIMEZONE: 'America/New_York' }, '2026-12-06T02:30:00.000Z')).toEqual(Array(3).fill('2026-12-05'));
  });
});
