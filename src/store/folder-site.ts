import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * DATA_DIR's embedded site (herald.json), as a start on PostgreSQL sees it: `id` is its page id, which
 * db:import carries into the database unchanged (so a folder that was imported names the database's site),
 * or null when the file cannot be read as a site (torn, hand-edited): then it may be any site. Null when
 * DATA_DIR holds no herald.json.
 */
export function folderSite(dataDir: string): { id: string | null } | null {
  const file = join(dataDir, 'herald.json');
  if (!existsSync(file)) return null;
  try {
    const id = (JSON.parse(readFileSync(file, 'utf8')) as { page?: { id?: unknown } } | null)?.page?.id;
    return { id: typeof id === 'string' && id !== '' ? id : null };
  } catch {
    return { id: null };
  }
}

/**
 * DATA_DIR holds an embedded site (herald.json) that the database does not: the database holds none (a start
 * would make a new site there), or another site (a start would serve that one, and its static copy would
 * replace this folder's). Either way the incidents and subscribers in DATA_DIR would silently be left out.
 */
export class SiteNotImported extends Error {
  constructor(dataDir: string, database: 'empty' | 'another site') {
    const file = join(dataDir, 'herald.json');
    super(
      database === 'empty'
        ? `Refusing to start: ${file} holds a Herald site, and the database in DATABASE_URL holds none: a start would make a new site there and leave that one's incidents and subscribers behind. Nothing was changed. Copy it into the database first, with Herald stopped: DATABASE_URL=… npm run db:import -- ${dataDir}. Or, to start a new site on PostgreSQL, set DATA_DIR to another folder.`
        : `Refusing to start: ${file} holds a Herald site other than the one in the database in DATABASE_URL: a start would serve the database's site (its static copy replacing this folder's) and leave that one's incidents and subscribers behind. Nothing was changed. To run a replica of the database's site, set DATA_DIR to a folder without a herald.json. To move this folder's site into the database instead, stop every replica and run DATABASE_URL=… npm run db:import -- ${dataDir} (it says what the database holds, which --force would replace).`,
    );
    this.name = 'SiteNotImported';
  }
}
