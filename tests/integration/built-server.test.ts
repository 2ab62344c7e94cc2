import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { heraldEnv, SERVE_ARGS, startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { assertNodeVersion } from '../../src/node-version.ts';

/*
 * The server `npm run serve` runs is the build's bundle (scripts/build-server.ts). From a hunt on the bundled
 * server: a build is one folder, which serves its own pages and client files wherever it is and whatever
 * HERALD_DIST says; a build missing its SMTP thread, or an older Node, refuses to start in one line before
 * DATA_DIR is touched.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const cleanup: Array<HeraldProcess | string> = [];
afterAll(() => stopAll(...cleanup.reverse()));

/** A project folder holding a copy of this build under `buildDir` (the code beside it linked, as installed). */
function projectWithBuildAt(buildDir: string): string {
  const copy = mkdtempSync(join(tmpdir(), 'herald-build-'));
  cleanup.push(copy);
  cpSync(join(ROOT, 'dist'), join(copy, buildDir), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(copy, 'package.json'));
  for (const part of ['src', 'templates', 'public', 'node_modules']) symlinkSync(join(ROOT, part), join(copy, part));
  return copy;
}

/** The serve script's Node arguments, run on `node`, with the build in `buildDir`: exit code and output. */
function serveOnce(node: string, project: string, buildDir: string, env: Record<string, string>) {
  const args = SERVE_ARGS.map((a) => (a.startsWith('dist/') ? `${buildDir}/${a.slice('dist/'.length)}` : a));
  const run = spawnSync(node, args, { cwd: project, env: heraldEnv(env.DATA_DIR!, env), encoding: 'utf8', timeout: 20_000 });
  return { code: run.status, output: run.stdout + run.stderr };
}

describe('the bundled server', () => {
  it('serves the client files of its own build, wherever it was built and whatever HERALD_DIST says', async () => {
    const project = projectWithBuildAt('dist');
    // Before: the client folder was HERALD_DIST's ("nowhere/client": ENOENT at start; another build's: 404s).
    const h = await startHerald({ cwd: project, env: { HERALD_DIST: 'nowhere' } });
    cleanup.push(h);
    const page = await (await fetch(`${h.url}/`)).text();
    const assets = [...page.matchAll(/(?:href|src)="(\/_astro\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of new Set(assets)) expect((await fetch(`${h.url}${asset}`)).status, asset).toBe(200);
    expect((await fetch(`${h.url}/embed.js`)).status).toBe(200);
  });

  it('a build missing its SMTP thread refuses to start in one line, not at the first email', () => {
    const project = projectWithBuildAt('.builds/cut');
    rmSync(join(project, '.builds/cut/server/smtp-worker.mjs'));
    const dataDir = join(project, 'data');
    const { code, output } = serveOnce(process.execPath, project, '.builds/cut', { DATA_DIR: dataDir });
    expect(code, output).toBe(1);
    // Before: it started, /healthz said mail was fine, and every delivery failed ("The mail thread stopped").
    expect(output).toContain(
      `herald: Refusing to start: Herald's build is incomplete (${join(project, '.builds/cut/server/smtp-worker.mjs')} is missing). Run \`npm run build\` first`,
    );
    expect(existsSync(dataDir)).toBe(false);
  });

  // The system's Node where it is older than Herald needs (Debian's here): what a start "some other way" would use.
  const systemNode = '/usr/bin/node';
  const old = existsSync(systemNode) && spawnSync(systemNode, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
  const tooOld =
    !!old &&
    (() => {
      try {
        assertNodeVersion(old);
        return false;
      } catch {
        return true;
      }
    })();
  it.skipIf(!tooOld)('on an older Node (the system one), refuses in one line before it writes anything into DATA_DIR', () => {
    const project = projectWithBuildAt('dist');
    const dataDir = mkdtempSync(join(tmpdir(), 'herald-old-node-'));
    cleanup.push(dataDir);
    const { code, output } = serveOnce(systemNode, project, 'dist', { DATA_DIR: dataDir, HERALD_SEED: 'demo' });
    expect(code, output).toBe(1);
    // Before: the demo seeded and an admin token made, then "localhost:PORT is already in use" (a port that was free).
    expect(output).toContain(`herald: Refusing to start: this is Node ${old}, and Herald needs Node 22.12 or later.`);
    expect(output).not.toMatch(/\n\s+at /);
    expect(readdirSync(dataDir)).toEqual([]);
  });
});

describe('the Node a start needs', () => {
  it('22.12 and later start; older ones are refused with the version found', () => {
    for (const ok of ['22.12.0', '22.18.1', '24.21.0', '25.0.0']) expect(() => assertNodeVersion(ok), ok).not.toThrow();
    for (const no of ['20.20.2', '22.11.9', '18.0.0']) expect(() => assertNodeVersion(no), no).toThrow(`this is Node ${no}`);
  });
});
