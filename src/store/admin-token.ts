import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomToken } from '../auth/random.ts';
import { ADMIN_TOKEN_RULE, ConfigError, isAdminToken } from '../config.ts';
import { removeStaleTempFiles, writeFileDurablySync } from './durable-file.ts';
import { keepPrivate } from './private-file.ts';

export interface AdminTokenResult {
  token: string;
  /** True only on the start that generated it: the one time it is printed. */
  generated: boolean;
}

/**
 * The admin token: ADMIN_TOKEN when set; else the one stored in DATA_DIR/admin-token (mode 0600); else a new
 * one, stored there. The file always ends up holding the token in use: README's examples read it
 * (`TOKEN=$(cat data/admin-token)`), and a file left holding an earlier token (a leaked one, replaced by
 * ADMIN_TOKEN) signed in again, silently, at the first start without ADMIN_TOKEN.
 */
export function fileAdminToken(dataDir: string, fromEnv: string | undefined): AdminTokenResult {
  const file = join(dataDir, 'admin-token');
  // First: a write below may fail (the start is then refused), and the file keeps what it held, a secret still.
  keepPrivate(file);
  // Called with DATA_DIR's lock held: a temp file is a crashed start's, holding a token no one uses.
  removeStaleTempFiles(file);
  const stored = readStored(file);
  if (fromEnv) {
    if (stored !== fromEnv) {
      store(file, fromEnv);
      if (stored !== null) console.warn(`herald: ${file} now holds ADMIN_TOKEN's token; the token it held before no longer signs in`);
    }
    return { token: fromEnv, generated: false };
  }
  if (stored !== null) {
    // Never quoted: it may be a secret with a typo. Taken as it was, it could not be sent as a Bearer token (every
    // call answered 401); replaced, a token someone chose would be gone without a word.
    if (!isAdminToken(stored))
      throw new ConfigError(
        `Refusing to start: ${file} does not hold a valid admin token (as ADMIN_TOKEN: ${ADMIN_TOKEN_RULE}). ` +
          'Write one there, set ADMIN_TOKEN, or empty the file to have a new one made.',
      );
    return { token: stored, generated: false };
  }
  const token = randomToken(32);
  store(file, token);
  return { token, generated: true };
}

/** The file's token, or null when there is no file or it holds only blanks (a new token is then made). */
function readStored(file: string): string | null {
  try {
    return readFileSync(file, 'utf8').trim() || null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return null;
  }
}

function store(file: string, token: string): void {
  // 0600 by writeFileDurablySync's temp file, which replaces whatever mode the old file had.
  writeFileDurablySync(file, `${token}\n`);
}
