import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dbSchema, type Db } from '../../src/domain/model.ts';
import { removeDir, startHerald, tempDataDir, type HeraldProcess } from './server.ts';
import { prng } from './prng.ts';
import { until } from './poll.ts';

/** A write the server answered 2xx: it must survive any crash after that answer. */
type Acked =
  | { kind: 'component'; name: string }
  | { kind: 'incident'; name: string; id: string }
  | { kind: 'update'; incidentId: string; body: string };

export interface CrashReport {
  seed: number;
  kills: number;
  attempted: number;
  acked: number;
  /** Writes cut off by the kill (no answer): allowed to be present or absent. */
  unanswered: number;
  /** Kills that landed while at least one write was in flight. */
  killsDuringWrites: number;
  failures: string[];
}

/**
 * Starts Herald on one DATA_DIR, runs `writers` concurrent streams of admin
 * writes (components, incidents, updates, each with a unique name or body),
 * SIGKILLs the process after a random delay, then checks the data file on
 * disk: it parses, validates against dbSchema, and holds every write that was
 * answered 2xx. Repeats `kills` times; each restart must also succeed.
 */
export async function runCrashHarness(opts: {
  kills: number;
  writers?: number;
  maxDelayMs?: number;
  seed?: number;
  log?: (line: string) => void;
}): Promise<CrashReport> {
  const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
  const random = prng(seed);
  const writers = opts.writers ?? 4;
  const maxDelay = opts.maxDelayMs ?? 400;
  const dataDir = tempDataDir('herald-crash-');
  const acked: Acked[] = [];
  const report: CrashReport = { seed, kills: 0, attempted: 0, acked: 0, unanswered: 0, killsDuringWrites: 0, failures: [] };
  let n = 0;
  try {
    for (let round = 0; round < opts.kills && report.failures.length === 0; round++) {
      let herald: HeraldProcess;
      try {
        herald = await startHerald({ env: { STATIC_SNAPSHOT: 'true' }, dataDir });
      } catch (err) {
        report.failures.push(`restart after kill ${round} failed: ${(err as Error).message.slice(0, 500)}`);
        break;
      }
      let stopped = false;
      let inFlight = 0;
      const incidents = acked.filter((a): a is Extract<Acked, { kind: 'incident' }> => a.kind === 'incident');
      const writer = async () => {
        while (!stopped) {
          const id = `${round}-${++n}`;
          const pick = random();
          report.attempted++;
          inFlight++;
          try {
            if (pick < 0.35 || incidents.length === 0) {
              const kind = pick < 0.2 ? 'component' : 'incident';
              if (kind === 'component') {
                const name = `crash component ${id}`;
                const res = await herald.admin('/components', { body: { name } });
                if (res.ok) acked.push({ kind, name });
              } else {
                const name = `crash incident ${id}`;
                const res = await herald.admin('/incidents', { body: { name, impact: 'minor', body: `Declared ${id}.` } });
                if (res.ok) {
                  const created = (await res.json()) as { id: string };
                  const entry = { kind, name, id: created.id } as const;
                  acked.push(entry);
                  incidents.push(entry);
                }
              }
            } else {
              const target = incidents[Math.floor(random() * incidents.length)]!;
              const body = `crash update ${id}`;
              const status = random() < 0.5 ? 'identified' : 'monitoring';
              const res = await herald.admin(`/incidents/${encodeURIComponent(target.id)}/updates`, { body: { status, body } });
              if (res.ok) acked.push({ kind: 'update', incidentId: target.id, body });
              else if (res.status < 500) report.failures.push(`update ${id} refused ${res.status}: ${await res.text()}`);
            }
          } catch {
            // Connection cut by the kill: the outcome of this write is unknown.
            report.unanswered++;
          } finally {
            inFlight--;
          }
        }
      };
      const ackedBefore = acked.length;
      const streams = Array.from({ length: writers }, writer);
      // Kill at a random moment after this round's first acknowledged write
      // (a cold start is slow; without this, busy machines kill before any write lands).
      // After 15 s without one it kills anyway, as before: the disk is checked all the same.
      await until(() => acked.length > ackedBefore, 'a first acknowledged write', 15_000, 10).catch(() => {});
      await new Promise((r) => setTimeout(r, random() * maxDelay));
      if (inFlight > 0) report.killsDuringWrites++;
      stopped = true; // writers stop starting new requests; those in flight are cut by the kill
      await herald.kill();
      await Promise.all(streams);
      report.kills++;
      const problems = verify(dataDir, acked);
      if (problems.length) report.failures.push(`after kill ${round + 1}: ${problems.join('; ')}`);
      if (opts.log && (round + 1) % 10 === 0) opts.log(`kill ${round + 1}/${opts.kills}: ${acked.length} acknowledged writes, all present`);
    }
    // A final clean start proves the last file loads too.
    if (report.failures.length === 0) {
      const herald = await startHerald({ env: { STATIC_SNAPSHOT: 'true' }, dataDir });
      const res = await fetch(`${herald.url}/`);
      if (res.status !== 200) report.failures.push(`final start: / answered ${res.status}`);
      await herald.stop();
    }
  } finally {
    report.acked = acked.length;
    if (report.failures.length === 0) removeDir(dataDir);
    else report.failures.push(`data kept for inspection in ${dataDir} (seed ${seed})`);
  }
  return report;
}

/** Checks the file on disk, as the next start will read it. */
function verify(dataDir: string, acked: Acked[]): string[] {
  const file = join(dataDir, 'herald.json');
  if (!existsSync(file)) return ['herald.json is missing'];
  let db: Db;
  try {
    const parsed = dbSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) return [`herald.json does not validate: ${parsed.error.issues[0]?.message}`];
    db = parsed.data;
  } catch (err) {
    return [`herald.json is not JSON: ${(err as Error).message}`];
  }
  const problems: string[] = [];
  const componentNames = new Set(db.components.map((c) => c.name));
  const incidents = new Map(db.incidents.map((i) => [i.id, i]));
  for (const a of acked) {
    if (a.kind === 'component' && !componentNames.has(a.name)) problems.push(`lost component "${a.name}"`);
    if (a.kind === 'incident' && incidents.get(a.id)?.name !== a.name) problems.push(`lost incident ${a.id} "${a.name}"`);
    if (a.kind === 'update' && !incidents.get(a.incidentId)?.updates.some((u) => u.body === a.body)) {
      problems.push(`lost update "${a.body}" of ${a.incidentId}`);
    }
  }
  // The kill may leave one temp file of the write it interrupted; the next start removes it.
  const strays = readdirSync(dataDir).filter((f) => f.startsWith('.herald.json.') && f.endsWith('.tmp'));
  if (strays.length > 1) problems.push(`temp files pile up: ${strays.join(', ')}`);
  const staticLeftovers = readdirSync(dataDir).filter((f) => f.startsWith('.static.'));
  if (staticLeftovers.length > 2) problems.push(`static copy leftovers pile up: ${staticLeftovers.join(', ')}`);
  return problems.slice(0, 10);
}
