import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { openHerald, type Herald } from '../../src/herald.ts';
import { startTimer } from '../../src/timer/scheduler.ts';
import { createComponent } from '../../src/domain/components/manage.ts';
import { scheduleMaintenance } from '../../src/domain/maintenance/schedule.ts';
import { rescheduleMaintenance } from '../../src/domain/maintenance/reschedule.ts';
import { cancelMaintenance } from '../../src/domain/maintenance/transitions.ts';
import { stopAll, tempDataDir } from '../helpers/server.ts';
import { until } from '../helpers/poll.ts';

/**
 * The timer module over a real store on disk, with a fake clock for "now":
 * where it arms from the data, that it re-arms on every write, and that a
 * wake applies what is due through one durable write.
 */
const T0 = Date.parse('2026-11-30T00:00:00.000Z');
const iso = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

let herald: Herald | null = null;
let dir = '';
afterEach(async () => {
  await stopAll(herald, dir);
  herald = null;
});

async function open(clock: { now: number }) {
  dir = tempDataDir('herald-scheduler-');
  herald = await openHerald(loadConfig({ DATA_DIR: dir, HERALD_SEED: 'none', ADMIN_TOKEN: 'x'.repeat(32) }), {
    now: () => new Date(clock.now),
    log: () => {},
    timer: false,
  });
  await herald.run('test', (ctx) => createComponent(ctx, { id: 'db', name: 'DB' }));
  return herald;
}

describe('startTimer', () => {
  it('arms for the next due instant and re-arms on every write', async () => {
    const clock = { now: T0 };
    const h = await open(clock);
    const timer = startTimer(h, { reminderMinutes: 60, log: () => {} });
    expect(timer.nextWake()).toBeNull();

    const m = await h.run('lead', (ctx) =>
      scheduleMaintenance(ctx, { name: 'Upgrade', scheduled_for: iso(120), scheduled_until: iso(180), components: ['db'], notify: true }),
    );
    expect(timer.nextWake()!.toISOString()).toBe(iso(60)); // the reminder

    await h.run('lead', (ctx) => rescheduleMaintenance(ctx, m.id, { scheduled_for: iso(30), scheduled_until: iso(45), notify: true }));
    // Moved with a notice, with less lead than the reminder: the next thing due is the start.
    expect(timer.nextWake()!.toISOString()).toBe(iso(30));
    // Moved again quietly: subscribers were told of another window, so the reminder is due at once.
    await h.run('lead', (ctx) => rescheduleMaintenance(ctx, m.id, { scheduled_for: iso(20), scheduled_until: iso(45) }));
    expect(timer.nextWake()!.toISOString()).toBe(iso(0));

    await h.run('lead', (ctx) => cancelMaintenance(ctx, m.id));
    expect(timer.nextWake()).toBeNull();
  });

  it('wakes when a window is due and applies it through the store, durably', async () => {
    const clock = { now: T0 };
    const h = await open(clock);
    startTimer(h, { reminderMinutes: 0, log: () => {} });
    const m = await h.run('lead', (ctx) =>
      scheduleMaintenance(ctx, { name: 'Upgrade', scheduled_for: iso(5), scheduled_until: iso(8), components: ['db'] }),
    );
    // The clock jumps past the start; the next write (any write) re-arms with no delay.
    clock.now = T0 + 6 * 60_000;
    const before = h.store.version;
    await h.run('lead', () => undefined);
    await until(() => h.store.data.maintenances.find((x) => x.id === m.id)!.status === 'in_progress', 'the window to start', 10_000);
    const rec = h.store.data.maintenances.find((x) => x.id === m.id)!;
    expect(rec.status).toBe('in_progress');
    expect(rec.started_at).toBe(iso(5));
    expect(h.store.data.components[0]!.status).toBe('under_maintenance');
    expect(h.store.version).toBe(before + 2);
  });

  it('once stopped (herald.close registers it), a write no longer arms it', async () => {
    const clock = { now: T0 };
    const h = await open(clock);
    const timer = startTimer(h, { reminderMinutes: 0, log: () => {} });
    timer.stop();
    await h.run('lead', (ctx) => scheduleMaintenance(ctx, { name: 'U', scheduled_for: iso(5), scheduled_until: iso(8), components: [] }));
    expect(timer.nextWake()).toBeNull();
  });
});
