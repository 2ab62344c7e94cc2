import { readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { randomToken } from '../auth/random.ts';
import { keepPrivate } from './private-file.ts';

export interface AdminTokenResult {
  token: string;
  /** True only on the start that generated it: the one time it is printed. */
  generated: boolean;
}

/**
 * The admin token: ADMIN_TOKEN when set; else the one stored in
 * DATA_DIR/admin-token (mode 0600); else a new one, stored there.
 */
export function fileAdminToken(dataDir: string, fromEnv: string | undefined): AdminTokenResult {
  const file = join(dataDir, 'admin-token');
  // With ADMIN_TOKEN set too: the file may hold the token of an earlier start, still a valid secret somewhere.
  keepPrivate(file);
  if (fromEnv) return { token: fromEnv, generated: false };
  try {
    const token = readFileSync(file, 'utf8').trim();
    if (token.length >= 16) return { token, generated: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const token = randomToken(32);
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { token, generated: true };
}
