import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { until } from '../helpers/poll.ts';

let h: HeraldProcess | null = null;
afterEach(async () => {
  await stopAll(h);
  h = null;
});

describe('SIGHUP (a closed terminal running npm start) stops Herald as SIGTERM does', () => {
  it('logs the stop, releases the lock, and makes the static copy owed to the last publish', async () => {
    // A debounce no test waits out: the publish reaches the copy only through the stop's last copy.
    h = await startHerald({ env: { STATIC_SNAPSHOT: 'true', STATIC_DEBOUNCE_MS: '60000' } });
    const herald = h;
    const staticDir = join(herald.dataDir, 'static');
    // The copy every start makes, swapped in whole: wait for it, so the one the stop owes is a second one.
    await until(
      () => existsSync(join(staticDir, 'index.html')) && readdirSync(herald.dataDir).every((f) => !f.startsWith('.static')),
      'the first copy',
    );
    const first = statSync(staticDir).ino;
    const res = await herald.admin('/incidents', {
      body: { name: 'Declared just before the hangup', impact: 'minor', body: 'Then SIGHUP.' },
    });
    expect(res.status).toBe(201);
    expect(existsSync(join(herald.dataDir, 'herald.lock'))).toBe(true);
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      herald.proc.once('exit', (code, signal) => resolve({ code, signal })),
    );
    herald.proc.kill('SIGHUP');
    // Before: killed by the signal (code null, signal SIGHUP), with no line, the lock left and the copy stale.
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(herald.output()).toContain('herald: SIGHUP, shutting down');
    expect(existsSync(join(herald.dataDir, 'herald.lock'))).toBe(false);
    expect(statSync(staticDir).ino).not.toBe(first);
    expect(readFileSync(join(staticDir, 'index.html'), 'utf8')).toContain('Declared just before the hangup');
  });
});
