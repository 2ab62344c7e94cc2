/**
 * `npm run bench:history`: /history and the uptime bars with 5,000 incidents.
 *
 * Generates 5,000 resolved incidents over three years into a fresh DATA_DIR,
 * then measures
 *  - in-process: the history index and page-1 selection, and the 90-day uptime
 *    of every component (what `/` recomputes once per data version);
 *  - through the real server: rendering page 1 of /history (a page-cache miss,
 *    forced by a small admin write before each round), the same page served
 *    from the cache, and a fresh render of `/`.
 *  - the static copy of the site (DATA_DIR/static) made at the start, the one
 *    after each publish, which takes the settled incidents' pages from the copy
 *    before (src/snapshot/settled-pages.ts), and the one a restart makes from
 *    the record beside it (copy-record.ts): wall time and server CPU.
 * Target: page 1 of /history renders in under 50 ms. Prints figures; never fails on speed.
 * Wall times on a shared machine overstate the work, so CPU time is printed too
 * (the server's from /proc, in 10 ms ticks averaged over the rounds).
 * Needs a build (npm run build, or HERALD_DIST=.builds/x npm run build with the same HERALD_DIST).
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateHistory } from '../tests/fixtures/generate-incidents.ts';
import { removeDir, startHerald, tempDataDir } from '../tests/helpers/server.ts';
import { historyPage } from '../src/domain/history.ts';
import { computeUptime } from '../src/domain/uptime.ts';

const COUNT = 5000;
const ROUNDS = 25;
const now = new Date();

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `median ${q(0.5).toFixed(1)} ms, p95 ${q(0.95).toFixed(1)} ms, max ${s.at(-1)!.toFixed(1)} ms (n=${s.length})`;
};
const time = async (fn: () => unknown | Promise<unknown>) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};
/** CPU time (user + system) a process has used, in ms: wall time on a busy machine overstates work. */
const cpuMsOf = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, in 100 Hz ticks
};
const ownCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const db = generateHistory(COUNT, now);
console.log(`bench:history: ${COUNT} incidents over 3 years, ${db.components.length} components`);

// In-process, pure functions. A fresh object per round defeats the per-version memo.
const indexCold: number[] = [];
const pageWarm: number[] = [];
const uptimeCold: number[] = [];
let indexCpu = 0;
let uptimeCpu = 0;
for (let i = 0; i < ROUNDS; i++) {
  const copy = { incidents: [...db.incidents], maintenances: [...db.maintenances] };
  let cpu = ownCpuMs();
  indexCold.push(await time(() => historyPage(copy, { timeZone: 'Europe/Berlin' })));
  indexCpu += ownCpuMs() - cpu;
  pageWarm.push(await time(() => historyPage(copy, { page: '2', timeZone: 'Europe/Berlin' })));
  cpu = ownCpuMs();
  uptimeCold.push(await time(() => computeUptime(db, now, { days: 90, timeZone: 'Europe/Berlin' })));
  uptimeCpu += ownCpuMs() - cpu;
}
console.log(
  `  in-process  history index + page 1 (once per data version): ${stats(indexCold)}; CPU ${(indexCpu / ROUNDS).toFixed(1)} ms avg`,
);
console.log(`  in-process  another page from the index:                   ${stats(pageWarm)}`);
console.log(
  `  in-process  90-day uptime, all components (once per version): ${stats(uptimeCold)}; CPU ${(uptimeCpu / ROUNDS).toFixed(1)} ms avg`,
);

const dataDir = tempDataDir('herald-bench-history-');
writeFileSync(join(dataDir, 'herald.json'), JSON.stringify(db));
const herald = await startHerald({ dataDir, env: { SITE_TIMEZONE: 'Europe/Berlin' } });
try {
  const get = async (path: string) => {
    const res = await fetch(`${herald.url}${path}`);
    const body = await res.text();
    if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
    return body;
  };
  const bump = async (n: number) => {
    const res = await herald.admin('/components/api', { method: 'PATCH', body: { description: `round ${n}` } });
    if (!res.ok) throw new Error(`write failed: ${res.status} ${await res.text()}`);
  };
  const firstPage = await get('/history');
  if (!firstPage.includes('Generated incident')) throw new Error('/history does not list the generated incidents');
  const historyMiss: number[] = [];
  const historyHit: number[] = [];
  const homeMiss: number[] = [];
  const writes: number[] = [];
  let serverCpu = 0;
  for (let i = 0; i < ROUNDS; i++) {
    // The whole document is copied, serialised and fsynced on each change: the event loop is held meanwhile.
    writes.push(await time(() => bump(i)));
    // A write warms `/` in the background: let it finish so it does not share the CPU with the timed render.
    homeMiss.push(await time(() => get('/')));
    const cpu = cpuMsOf(herald.proc.pid!);
    historyMiss.push(await time(() => get('/history')));
    serverCpu += cpuMsOf(herald.proc.pid!) - cpu;
    historyHit.push(await time(() => get('/history')));
  }
  console.log(
    `  real server /history page 1, fresh render (cache miss): ${stats(historyMiss)}; server CPU ${(serverCpu / ROUNDS).toFixed(1)} ms avg`,
  );
  console.log(`  real server /history page 1, from the page cache:      ${stats(historyHit)}`);
  console.log(`  real server / after a write (render incl. uptime):     ${stats(homeMiss)}`);
  console.log(
    `  real server admin write (a component's description):   ${stats(writes)}; herald.json ${(statSync(join(dataDir, 'herald.json')).size / 1e6).toFixed(1)} MB`,
  );
  console.log(`  page 1 of /history is ${(firstPage.length / 1024).toFixed(1)} KiB; target: fresh render < 50 ms`);
} finally {
  await herald.stop();
  removeDir(dataDir);
}

// The static copy: a fresh Herald whose copies follow each write at once (no debounce), timed to the swap.
const copyDir = tempDataDir('herald-bench-copy-');
writeFileSync(join(copyDir, 'herald.json'), JSON.stringify(db));
let copier = await startHerald({ dataDir: copyDir, env: { SITE_TIMEZONE: 'Europe/Berlin', STATIC_DEBOUNCE_MS: '0' } });
try {
  // Each copy is swapped in whole: the folder is a new one (a new inode) once it is done.
  const folder = () => {
    try {
      return statSync(join(copyDir, 'static')).ino;
    } catch {
      return -1;
    }
  };
  const swapped = async (before: number) => {
    while (folder() === before || folder() === -1) await new Promise((r) => setTimeout(r, 10));
  };
  let t = performance.now();
  let cpu = cpuMsOf(copier.proc.pid!);
  await swapped(-1);
  console.log(
    `  static copy at the start (every page rendered): ${((performance.now() - t) / 1000).toFixed(1)} s; server CPU ${((cpuMsOf(copier.proc.pid!) - cpu) / 1000).toFixed(1)} s`,
  );
  const walls: number[] = [];
  let copyCpu = 0;
  const COPIES = 5;
  for (let i = 0; i < COPIES; i++) {
    const before = folder();
    t = performance.now();
    cpu = cpuMsOf(copier.proc.pid!);
    const res = await copier.admin('/incidents', {
      body: {
        name: `Bench incident ${i}`,
        impact: 'minor',
        status: 'investigating',
        body: 'Looking into it.',
        components: { api: 'degraded_performance' },
      },
    });
    if (res.status !== 201) throw new Error(`declare failed: ${res.status} ${await res.text()}`);
    await swapped(before);
    walls.push(performance.now() - t);
    copyCpu += cpuMsOf(copier.proc.pid!) - cpu;
  }
  console.log(
    `  static copy after a declare (settled pages kept):  ${stats(walls)}; server CPU ${(copyCpu / COPIES).toFixed(0)} ms avg (declare included)`,
  );
  // A restart: the record beside the folder (DATA_DIR/static-pages.json) says which settled pages it can keep.
  await copier.stop();
  const before = folder();
  t = performance.now();
  copier = await startHerald({ dataDir: copyDir, env: { SITE_TIMEZONE: 'Europe/Berlin', STATIC_DEBOUNCE_MS: '0' } });
  await swapped(before);
  console.log(
    `  static copy at a restart (settled pages kept): ${((performance.now() - t) / 1000).toFixed(1)} s from spawn; server CPU ${(cpuMsOf(copier.proc.pid!) / 1000).toFixed(1)} s (its start included)`,
  );
} finally {
  await copier.stop();
  removeDir(copyDir);
}
