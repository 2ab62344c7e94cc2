import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { messageOf, outboxSweeper } from '../../src/notify/outbox-folder.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the outbox folder', () => {
  it('names the message of a file, and of the temp file a write cut short leaves', () => {
    expect(messageOf('abc123.upd.1.eml')).toEqual({ message: 'abc123.upd.1.eml', temp: false });
    expect(messageOf('.abc123.upd.1.eml.4242.tmp')).toEqual({ message: 'abc123.upd.1.eml', temp: true });
    expect(messageOf('notes.txt')).toBeNull();
    expect(messageOf('.herald.json.4242.tmp')).toBeNull();
  });

  it('the hourly sweep removes temp files over an hour old (a crash’s), not one being written', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'herald-outbox-'));
    dirs.push(dataDir);
    const outbox = join(dataDir, 'outbox');
    mkdirSync(outbox);
    const clock = { t: Date.now() };
    const sweep = outboxSweeper(outbox, () => clock.t);
    await sweep();
    // An hour on: the next sweep is due.
    clock.t += 3600_000;
    const ago = (ms: number) => new Date(clock.t - ms);
    for (const [name, age] of [
      ['.a1.upd.1.eml.4242.tmp', 2 * 3600_000],
      ['.b2.upd.1.eml.4243.tmp', 1000],
    ] as const) {
      writeFileSync(join(outbox, name), 'x');
      utimesSync(join(outbox, name), ago(age), ago(age));
    }
    await sweep();
    // Before: the sweep looked at .eml names only, and the crash's temp file stayed for ever.
    expect(readdirSync(outbox)).toEqual(['.b2.upd.1.eml.4243.tmp']);
  });
});
