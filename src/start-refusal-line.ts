import { ConfigError } from './config.ts';
import { Unavailable } from './domain/errors.ts';
import { CorruptDataFile, UpgradeUnwritable } from './store/durable-file.ts';
import { DataDirLocked } from './store/lock.ts';
import { LinkKeyLost } from './store/mail/tokens.ts';
import { SiteNotImported } from './store/folder-site.ts';
import { SiteDocumentLost } from './store/site-remains.ts';
import { InvalidStoredDocument } from './store/pg/document-options.ts';
import { systemMessage } from './store/system-message.ts';

/**
 * The one line a start refused for a reason the operator can change prints (the server's, and the commands that
 * open the site as it does, such as `npm run export`), or null for anything else (a bug: its stack trace helps).
 * Unavailable: PostgreSQL could not be reached or refused the start (src/store/pg/start-refusal.ts).
 */
export function startRefusalLine(err: unknown): string | null {
  if (
    err instanceof ConfigError ||
    err instanceof CorruptDataFile ||
    err instanceof UpgradeUnwritable ||
    err instanceof InvalidStoredDocument ||
    err instanceof DataDirLocked ||
    err instanceof LinkKeyLost ||
    err instanceof SiteNotImported ||
    err instanceof SiteDocumentLost ||
    err instanceof Unavailable
  )
    return err.message;
  // A DATA_DIR that cannot be created or written (EACCES, ENOTDIR, EROFS...): the system's message names the
  // path; a stack trace would only hide it.
  const sys = err as NodeJS.ErrnoException;
  if (!sys?.syscall || !sys.code) return null;
  // A full disk (or quota): a write of a file already open fails without naming it, so say which was written where known.
  if (sys.code === 'ENOSPC' || sys.code === 'EDQUOT') {
    const what = sys.path ? `${sys.path} could not be written` : 'a file in DATA_DIR could not be written';
    return `Refusing to start: ${what}: no space left on its disk (${systemMessage(sys)}). Free some space in DATA_DIR and start again.`;
  }
  if (sys.path) return `Refusing to start: ${sys.message}. Check DATA_DIR and its permissions.`;
  return null;
}
