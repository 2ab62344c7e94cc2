import { afterAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runHeraldExpectingExit, startHerald, stopAll, tempDataDir, type HeraldProcess } from '../helpers/server.ts';

/*
 * What a start says about the demo seed (data/seed.json, beside the default DATA_DIR ./data): from a new-operator
 * hunt, where `mv data data.old && npm start` refused to start (ENOENT on the seed), the first start never said what
 * it had added, and HERALD_SEED=none on a folder holding the demo kept it without a word.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const cleanup: Array<HeraldProcess | string> = [];
afterAll(() => stopAll(...cleanup.reverse()));
const json = async (res: Response) => {
  expect(res.status, res.url).toBeLessThan(300);
  return (await res.json()) as Record<string, any>;
};

/** This project as a default install with its data folder moved aside: the code and the build, no data/ at all. */
function projectWithoutData(): string {
  const copy = mkdtempSync(join(tmpdir(), 'herald-project-'));
  cleanup.push(copy);
  // The build (the server npm run serve runs is bundled into it) and src copied: Node resolves a module's symlink
  // to its real path, from which Herald finds the project (and data/).
  for (const part of ['src', 'dist', 'package.json']) cpSync(join(ROOT, part), join(copy, part), { recursive: true });
  for (const part of ['templates', 'public', 'node_modules']) symlinkSync(join(ROOT, part), join(copy, part));
  return copy;
}

/** A new site, as the start's lines name it on the engine `h` runs on. */
const newSite = (h: HeraldProcess) => (h.databaseUrl ? 'a new database (DATABASE_URL)' : 'a new DATA_DIR');

describe('the demo seed at start', () => {
  it('a default DATA_DIR moved aside, seed and all: starts with an empty page and says where the seed was looked for', async () => {
    const project = projectWithoutData();
    const dataDir = join(project, 'data');
    expect(existsSync(dataDir)).toBe(false);
    const h = await startHerald({ cwd: project, dataDir, env: { HERALD_SEED: 'demo' } });
    cleanup.push(h);
    expect(h.output()).toContain(
      `The demo seed was not found at ${join(project, 'data', 'seed.json')}: starting with an empty page (\`git checkout data/seed.json\` brings the demo back for ${newSite(h)}).`,
    );
    expect((await json(await h.admin('/components'))).components).toEqual([]);
    expect((await json(await h.admin('/incidents'))).incidents).toEqual([]);
    expect((await fetch(`${h.url}/`)).status).toBe(200);
  });

  it('says what the first start seeded, and that HERALD_SEED=none on the same folder later keeps the site as it is', async () => {
    const dataDir = tempDataDir();
    const first = await startHerald({ dataDir, env: { HERALD_SEED: 'demo' } });
    const components = (await json(await first.admin('/components'))).components;
    const incidents = (await json(await first.admin('/incidents'))).incidents;
    await first.stop();
    cleanup.push(dataDir);
    const seeded = first
      .output()
      .split('\n')
      .filter((l) => l.startsWith('Seeded the demo'));
    expect(seeded).toEqual([
      `Seeded the demo from ${join(ROOT, 'data', 'seed.json')}: ${components.length} components and ${incidents.length} past incident. ` +
        `Delete them in the console, or start ${newSite(first)} with HERALD_SEED=none for an empty page.`,
    ]);
    expect(first.output()).toContain('Herald is serving');

    const again = await startHerald({ dataDir, env: { HERALD_SEED: 'none' } });
    cleanup.push(again);
    expect(again.output()).not.toContain('Seeded the demo');
    expect(again.output()).toContain(
      `HERALD_SEED=none applies to ${newSite(again)} only: this site already exists (with demo components), left as it is. ` +
        `Delete them in the console, or start ${newSite(again)} for a new site.`,
    );
    expect((await json(await again.admin('/components'))).components).toHaveLength(components.length);
  });

  it('HERALD_SEED=none never stops a start over a broken seed it does not use', async () => {
    const project = projectWithoutData();
    mkdirSync(join(project, 'data'));
    writeFileSync(join(project, 'data', 'seed.json'), '{ broken');
    const dataDir = tempDataDir();
    cleanup.push(dataDir);
    await (await startHerald({ cwd: project, dataDir, env: { HERALD_SEED: 'none' } })).stop();
    // Before: the restart died on a SyntaxError, reading the seed for the line about a demo kept.
    const again = await startHerald({ cwd: project, dataDir, env: { HERALD_SEED: 'none' } });
    cleanup.push(again);
    expect(again.output()).not.toMatch(/demo|SyntaxError/i);
  });

  const goodSeed = readFileSync(join(ROOT, 'data', 'seed.json'), 'utf8');
  it.each([
    ['not JSON', '{ "components": [', 'it is not JSON (Unexpected end of JSON input)'],
    [
      'a component without a name',
      '{ "components": [{ "id": "a" }], "incidents": [] }',
      'components.0.name: Invalid input: expected string, received undefined',
    ],
    [
      'an update naming a component the seed does not make',
      goodSeed.replace('"dashboard": "degraded_performance"', '"nope": "degraded_performance"'),
      'incidents.0 ("Elevated API error rates"): Unknown component "nope"',
    ],
  ])('a seed with %s refuses the start in one line naming the file, and leaves the new folder empty', async (_, seed, reason) => {
    const project = projectWithoutData();
    mkdirSync(join(project, 'data'));
    const file = join(project, 'data', 'seed.json');
    writeFileSync(file, seed);
    const dataDir = tempDataDir();
    cleanup.push(dataDir);
    const run = await runHeraldExpectingExit({ DATA_DIR: dataDir, HERALD_SEED: 'demo' }, { cwd: project });
    expect(run.code).not.toBe(0);
    // Before: a SyntaxError or TypeError with its stack trace, and nothing said of the file.
    expect(run.stderr.trim()).toBe(
      `herald: Refusing to start: ${file}, the demo a new site starts with, is not valid: ${reason}. ` +
        'Restore it (`git checkout data/seed.json`), or start with HERALD_SEED=none for an empty page.',
    );
    expect(readdirSync(dataDir)).toEqual([]);
    // Nothing half-made: with the seed restored, the same folder starts as a new site and gets the whole demo.
    writeFileSync(file, goodSeed);
    const again = await startHerald({ cwd: project, dataDir, env: { HERALD_SEED: 'demo' } });
    cleanup.push(again);
    expect(again.output()).toContain('Seeded the demo');
    expect((await json(await again.admin('/incidents'))).incidents).toHaveLength(1);
  });

  it('HERALD_SEED=none on a new folder starts empty, without a word about the demo', async () => {
    const h = await startHerald({ env: { HERALD_SEED: 'none' } });
    cleanup.push(h);
    expect(h.output()).not.toMatch(/demo/i);
    expect((await json(await h.admin('/components'))).components).toEqual([]);
  });
});
