import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WriteHealth } from '../../src/store/write-health.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function folder(): string {
  const d = mkdtempSync(join(tmpdir(), 'herald-write-health-'));
  dirs.push(d);
  return d;
}

describe('WriteHealth', () => {
  it('a write that succeeds clears a read-only folder of its own folder, not an EIO, nor another folder’s', () => {
    const a = folder();
    const b = folder();
    const health = new WriteHealth(60_000);
    health.record(join(a, 'subscribers.jsonl'), 'EROFS');
    health.record(join(a, 'deliveries.jsonl'), 'EIO');
    health.record(join(b, 'herald.json'), 'EROFS');
    health.record(join(a, 'herald.json'), null);
    expect(health.reason).toBe(
      'Writes to the data folder fail: deliveries.jsonl (EIO), herald.json (EROFS); changes answer 503 until one succeeds.',
    );
    health.record(join(a, 'deliveries.jsonl'), null);
    health.record(join(b, 'herald.json'), null);
    expect(health.reason).toBeNull();
    health.close();
  });

  it('on a full disk, an append that fits in a journal’s last block does not clear herald.json’s failure', () => {
    const a = folder();
    const health = new WriteHealth(60_000);
    health.record(join(a, 'herald.json'), 'ENOSPC');
    health.record(join(a, 'subscribers.jsonl'), null);
    // Before: "ok", while every declare still answered 503.
    expect(health.reason).toBe('Writes to the data folder fail: herald.json (ENOSPC); changes answer 503 until one succeeds.');
    health.close();
  });

  it('the probe clears what it can see has ended (a writable folder with room), and leaves an EIO to a write', async () => {
    const a = folder();
    writeFileSync(join(a, 'herald.json'), '{}');
    const health = new WriteHealth(60_000);
    health.record(join(a, 'herald.json'), 'ENOSPC');
    health.record(join(a, 'subscribers.jsonl'), 'EACCES');
    health.record(join(a, 'deliveries.jsonl'), 'EIO');
    await health.probe();
    expect(health.reason).toBe('Writes to the data folder fail: deliveries.jsonl (EIO); changes answer 503 until one succeeds.');
    health.close();
  });

  it('the probe of a folder that is gone (not writable) clears nothing', async () => {
    const health = new WriteHealth(60_000);
    health.record(join(folder(), 'gone', 'herald.json'), 'EROFS');
    await health.probe();
    expect(health.reason).toMatch(/herald\.json \(EROFS\)/);
    health.close();
  });
});
