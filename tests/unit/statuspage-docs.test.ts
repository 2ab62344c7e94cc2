import { describe, expect, it } from 'vitest';
import { emptyDb } from '../../src/domain/model.ts';
import { V2_DOCUMENTS, v2Document } from '../../src/read/statuspage.ts';
import { historyAtom } from '../../src/feeds/atom.ts';
import { historyRss } from '../../src/feeds/rss.ts';
import { maintenanceCalendar } from '../../src/feeds/ics.ts';
import { atomProblems } from '../helpers/atom-rules.ts';

const SITE = { SITE_URL: 'https://status.example.com', SITE_NAME: 'Example', SITE_TIMEZONE: 'UTC' };
const empty = () => emptyDb('page0empty00', '2026-11-01T00:00:00.000Z');

describe('documents of an empty page', () => {
  it.each(V2_DOCUMENTS)('%s: lists are [] (never omitted), page and status present', (name) => {
    const doc = JSON.parse(JSON.stringify(v2Document(name, empty(), SITE))) as Record<string, unknown>;
    expect(doc.page).toEqual({
      id: 'page0empty00',
      name: 'Example',
      url: 'https://status.example.com',
      time_zone: 'Etc/UTC',
      updated_at: '2026-11-01T00:00:00.000Z',
    });
    for (const key of ['components', 'incidents', 'scheduled_maintenances']) if (key in doc) expect(doc[key]).toEqual([]);
    if ('status' in doc) expect(doc.status).toEqual({ indicator: 'none', description: 'All Systems Operational' });
  });

  it('passes a configured time zone through unchanged', () => {
    const doc = v2Document('status', empty(), { ...SITE, SITE_TIMEZONE: 'Europe/Berlin' }) as { page: { time_zone: string } };
    expect(doc.page.time_zone).toBe('Europe/Berlin');
  });

  it('feeds and calendar are valid with no entries', () => {
    expect(atomProblems(historyAtom(empty(), SITE))).toEqual([]);
    expect(historyRss(empty(), SITE)).toContain('<description>Statuspage</description>');
    expect(maintenanceCalendar(empty(), SITE)).not.toContain('BEGIN:VEVENT');
  });
});
