import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHerald, stopAll, tempDataDir, type HeraldProcess } from '../helpers/server.ts';
import { all, dom, textOf, type El } from '../helpers/dom.ts';
import { db, maintenance, update } from '../helpers/db.ts';
import { signIn } from '../helpers/console-session.ts';

/**
 * A window still being verified after its planned end: the pages said "scheduled to end 04:00" as if the
 * end were still ahead, and so did the console. Like an incident's passed estimate, the end now reads
 * "(passed)"; a window within its planned time does not.
 */
let h: HeraldProcess;
const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

beforeAll(async () => {
  const d = db([{ id: 'api' }, { id: 'web' }]);
  d.maintenances.push(
    maintenance('MNT-OVER', 'verifying', {
      name: 'Database upgrade',
      components: ['api'],
      scheduled_for: ago(180),
      started_at: ago(180),
      scheduled_until: ago(60),
      auto_transitions: false,
      updates: [update('u-over', 'verifying', ago(30), 'Checking the upgraded database.')],
    }),
    maintenance('MNT-WITHIN', 'in_progress', {
      name: 'Cache rollout',
      components: ['web'],
      scheduled_for: ago(10),
      started_at: ago(10),
      scheduled_until: ago(-60),
      updates: [update('u-within', 'in_progress', ago(10), 'Rolling out.')],
    }),
  );
  const dataDir = tempDataDir();
  writeFileSync(join(dataDir, 'herald.json'), JSON.stringify(d));
  h = await startHerald({ dataDir });
});
afterAll(() => stopAll(h));

const windowLines = async (path: string) => {
  const html = await (await fetch(`${h.url}${path}`)).text();
  return all(dom(html), (e) => e.attribs.class === 'maintenance-window').map(textOf);
};

describe('a window running past its planned end', () => {
  it('reads "(passed)" after its scheduled end on / and /maintenance; one within its time does not', async () => {
    for (const path of ['/', '/maintenance']) {
      const lines = await windowLines(path);
      expect(lines).toHaveLength(2);
      expect(lines.filter((l) => l.endsWith('(passed)'))).toHaveLength(1);
      expect(lines.find((l) => l.endsWith('(passed)'))).toMatch(/^Started .+, scheduled to end .+ \(passed\)$/);
    }
  });

  it('reads "(passed)" beside the Scheduled end on the window\'s own page, not on one within its time', async () => {
    const scheduledEnd = async (id: string) => {
      const html = await (await fetch(`${h.url}/incidents/${id}`)).text();
      const dt = all(dom(html), (e) => e.name === 'dt' && textOf(e) === 'Scheduled end')[0]!;
      return textOf(all(dt.parent as El, (e) => e.name === 'dd')[0]!);
    };
    expect(await scheduledEnd('MNT-OVER')).toMatch(/ \(passed\)$/);
    expect(await scheduledEnd('MNT-WITHIN')).not.toContain('passed');
  });

  it('reads "(passed)" in the console: the window\'s page and the maintenance list', async () => {
    const { cookie } = await signIn(h);
    const text = async (path: string) => {
      const doc = dom(await (await fetch(`${h.url}${path}`, { headers: { cookie } })).text());
      return textOf(all(doc, (e) => e.name === 'main')[0]!);
    };
    expect(await text('/admin/incidents/MNT-OVER')).toMatch(/Verifying · started .+, scheduled to end .+ \(passed\)/);
    expect(await text('/admin/incidents/MNT-WITHIN')).not.toContain('(passed)');
    const list = await text('/admin/maintenance');
    expect(list.match(/scheduled to end [^()]+? \(passed\)/g)).toHaveLength(1);
  });
});
