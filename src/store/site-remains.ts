import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { holdsRecords } from './mail/tokens.ts';
import { isUpgradeBackup } from './durable-file.ts';

/**
 * What a site leaves in DATA_DIR besides herald.json. A first start writes herald.json before any of these (the
 * key, the journals' records, the static copy, a migration's backup), so finding one without it means herald.json
 * was lost (a partial restore, a slip of rm), never that a start was cut short: a start would make a new site (the
 * demo, reusing incident ids the kept deliveries already hold) beside the old subscribers and outbox. An empty
 * journal, admin-token or herald.lock says nothing: an operator or an older Herald may leave them in a new folder.
 */
export function siteRemains(dataDir: string): string[] {
  if (!existsSync(dataDir) || existsSync(join(dataDir, 'herald.json'))) return [];
  const names = readdirSync(dataDir);
  const found: string[] = [];
  if (names.includes('subscribers.key')) found.push('subscribers.key');
  for (const journal of ['subscribers.jsonl', 'deliveries.jsonl', 'channel-deliveries.jsonl'])
    if (names.includes(journal) && holdsRecords(join(dataDir, journal))) found.push(journal);
  found.push(...names.filter((n) => isUpgradeBackup('herald.json', n)));
  if (names.includes('static') && nonEmptyDir(join(dataDir, 'static'))) found.push('static/');
  return found;
}

function nonEmptyDir(dir: string): boolean {
  try {
    return readdirSync(dir).length > 0;
  } catch {
    return false;
  }
}

/** DATA_DIR holds a site's other files and no herald.json: refused before anything is written. */
export class SiteDocumentLost extends Error {
  constructor(dataDir: string, found: string[]) {
    super(
      `Refusing to start: ${join(dataDir, 'herald.json')} is missing, but ${dataDir} holds the rest of a Herald site (${found.join(', ')}): a start would make a new site beside that one's subscribers and deliveries. Nothing was changed. Restore herald.json from a backup (if the site runs on PostgreSQL, start it with its DATABASE_URL instead); or, to start a new site, move the folder aside and start on an empty DATA_DIR.`,
    );
    this.name = 'SiteDocumentLost';
  }
}
