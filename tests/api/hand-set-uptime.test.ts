import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInProcess, type InProcess } from '../helpers/app.ts';
import { dbSchema } from '../../src/domain/model.ts';
import { uptimeBars } from '../../src/render/uptime-bars.ts';

/**
 * A status set by hand through the admin API counts in the 90-day uptime after it ends, and while an
 * incident holds the component (README "90-day uptime"), on both engines: the periods are in the stored
 * document. Herald's clock is the test's, so minutes pass at once.
 */
let p: InProcess;
let clock = Date.parse('2026-11-20T09:00:00Z');
const at = (iso: string) => {
  clock = Date.parse(iso);
};
const call = async (path: string, method: string, body: unknown) => {
  const res = await p.admin(path, { method, body });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
};
const bar = (id: string) => uptimeBars(p.herald.store.data, new Date(clock), 'UTC').get(id)!;

beforeAll(async () => {
  p = await openInProcess({}, { now: () => new Date(clock) });
  await call('/components', 'POST', { id: 'hand2', name: 'Hand two' });
  await call('/components', 'POST', { id: 'dashboard', name: 'Dashboard' });
});
afterAll(() => p?.close());

describe('a status set by hand with PATCH, in the uptime bars', () => {
  it('still counts once set back to operational (it showed "100 % uptime" and a clean day)', async () => {
    at('2026-11-20T10:00:00Z');
    await call('/components/hand2', 'PATCH', { status: 'major_outage' });
    at('2026-11-20T10:30:00Z');
    await call('/components/hand2', 'PATCH', { status: 'operational' });
    at('2026-11-20T12:00:00Z');
    // 30 minutes down of 180 observed.
    expect(bar('hand2')).toMatchObject({ percentText: '83.33 % uptime', since: '20 Nov' });
    expect(bar('hand2').cells.at(-1)).toEqual({ cls: 'u-major_outage', label: '20 Nov: major outage for 30 min' });
    const stored = dbSchema.parse(JSON.parse(await p.stored()));
    expect(stored.components.find((c) => c.id === 'hand2')!.hand_set).toEqual([
      { status: 'major_outage', from: '2026-11-20T10:00:00.000Z', to: '2026-11-20T10:30:00.000Z' },
    ]);
  });

  it('counts while an incident holds the component at a lesser status (the bar said degraded and 100 %)', async () => {
    at('2026-11-20T12:00:00Z');
    await call('/incidents', 'POST', {
      name: 'Slow dashboard',
      impact: 'minor',
      body: 'We are investigating.',
      components: { dashboard: 'degraded_performance' },
    });
    at('2026-11-20T12:10:00Z');
    await call('/components/dashboard', 'PATCH', { status: 'major_outage' });
    at('2026-11-20T12:40:00Z');
    // 30 minutes down of 220 observed; the ten minutes before the edit were degraded.
    expect(bar('dashboard')).toMatchObject({ percentText: '86.36 % uptime' });
    expect(bar('dashboard').cells.at(-1)).toEqual({
      cls: 'u-major_outage',
      label: '20 Nov: major outage for 30 min, degraded performance for 10 min',
    });
  });
});
