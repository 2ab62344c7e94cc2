import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let effective: boolean | undefined;

/**
 * Whether a read-only folder really refuses this process's writes. As root
 * (CAP_DAC_OVERRIDE) chmod does not stop anything, so tests that need a
 * failing write skip themselves; this asks the file system instead of
 * guessing from the uid.
 */
export function chmodIsEffective(): boolean {
  if (effective !== undefined) return effective;
  const dir = mkdtempSync(join(tmpdir(), 'herald-chmod-probe-'));
  try {
    chmodSync(dir, 0o500);
    try {
      writeFileSync(join(dir, 'probe'), 'x');
      effective = false;
    } catch {
      effective = true;
    }
  } finally {
    chmodSync(dir, 0o700);
    rmSync(dir, { recursive: true, force: true });
  }
  return effective;
}
