/**
 * Moving Herald's data between the engines (src/store/transfer.ts says what moves):
 * - `npm run db:import -- DATA_DIR [--force]`: DATA_DIR's data file, admin token, subscribers and
 *   the email and channel outboxes into the PostgreSQL database at DATABASE_URL (migrated first).
 * - `npm run db:export -- DIR [--force]`: the same from the database into DIR, as an embedded DATA_DIR.
 * Both refuse while a Herald runs on that folder, and never replace data without --force. The import
 * also refuses while Herald replicas are connected to the database (stop them all first), and when a
 * subscriber's address is one the subscribe API would refuse.
 */
import { parseArgs } from 'node:util';
import { TransferRefused } from '../src/store/transfer.ts';
import { importDataDir } from '../src/store/transfer-import.ts';
import { exportToDir } from '../src/store/transfer-export.ts';
import { databaseUrl } from '../src/config.ts';
import { startRefusal } from '../src/store/pg/start-refusal.ts';

const [command, ...rest] = process.argv.slice(2);
const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { force: { type: 'boolean', default: false } } });
const dir = positionals[0];
const url = process.env.DATABASE_URL;
if ((command !== 'import' && command !== 'export') || !dir || !url) {
  console.error('usage: DATABASE_URL=postgres://… npm run db:import -- DATA_DIR [--force]');
  console.error('       DATABASE_URL=postgres://… npm run db:export -- DIR [--force]');
  process.exit(2);
}
const checked = databaseUrl.safeParse(url);
if (!checked.success) {
  console.error(`db:${command}: ${checked.error.issues[0]!.message}`);
  process.exit(1);
}

try {
  const report =
    command === 'import' ? await importDataDir(dir, url, { force: values.force }) : await exportToDir(url, dir, { force: values.force });
  for (const line of report.moved) console.log(`moved: ${line}`);
} catch (err) {
  if (err instanceof TransferRefused) {
    console.error(`db:${command}: ${err.message}`);
    process.exit(1);
  }
  // What a Herald starting on this DATABASE_URL would say (an unreachable server, a refused login, a URL pg
  // cannot read: "Invalid URL" alone names nothing to change), else pg's own message: neither carries the password.
  const refused = startRefusal(err, url);
  console.error(`db:${command}: ${refused ? refused.message.replace(/^Herald cannot start: /, '') : (err as Error).message}`);
  process.exit(1);
}
