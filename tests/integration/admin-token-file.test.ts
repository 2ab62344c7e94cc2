import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeDir, runHeraldExpectingExit, startHerald, stopAll, tempDataDir, type HeraldProcess } from '../helpers/server.ts';

/*
 * DATA_DIR/admin-token on the embedded engine: README's examples read it (`TOKEN=$(cat data/admin-token)`), so it
 * holds the token in use, and a token in it that could never sign in stops the start, as such an ADMIN_TOKEN does.
 */

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(() => stopAll(...cleanup.splice(0).reverse()));

function newDir(): string {
  const dir = tempDataDir('herald-admin-token-');
  cleanup.push(() => removeDir(dir));
  return dir;
}

async function start(dataDir: string, adminToken: string): Promise<HeraldProcess> {
  const h = await startHerald({ dataDir, env: { STATIC_SNAPSHOT: 'false', ADMIN_TOKEN: adminToken, DATABASE_URL: '' } });
  cleanup.push(() => h.kill());
  return h;
}

const status = async (h: HeraldProcess, token: string) =>
  (await fetch(`${h.url}/api/admin/components`, { headers: { authorization: `Bearer ${token}` } })).status;

const tokenIn = (dataDir: string) => readFileSync(join(dataDir, 'admin-token'), 'utf8');

describe('rotating the admin token with ADMIN_TOKEN', () => {
  it('the file then holds the new token, and a later start without ADMIN_TOKEN does not bring the old one back', async () => {
    const dataDir = newDir();
    const first = await start(dataDir, '');
    const leaked = tokenIn(dataDir).trim();
    expect(await status(first, leaked)).toBe(200);
    await first.stop();

    const rotated = 'rotated-admin-token-0123456789abcdef';
    const second = await start(dataDir, rotated);
    expect(await status(second, leaked)).toBe(401);
    expect(await status(second, rotated)).toBe(200);
    // Before: the file still held the leaked token, and `TOKEN=$(cat data/admin-token)` got 401.
    expect(tokenIn(dataDir)).toBe(`${rotated}\n`);
    expect(statSync(join(dataDir, 'admin-token')).mode & 0o777).toBe(0o600);
    expect(second.output()).toContain(
      `herald: ${join(dataDir, 'admin-token')} now holds ADMIN_TOKEN's token; the token it held before no longer signs in\n`,
    );
    expect(second.output()).not.toContain(leaked);
    expect(second.output()).not.toContain(rotated);
    await second.stop();

    // Before: the leaked token signed in again, silently.
    const third = await start(dataDir, '');
    expect(await status(third, leaked)).toBe(401);
    expect(await status(third, rotated)).toBe(200);
    expect(third.output()).not.toContain('Generated an admin token');
    expect(third.output()).not.toContain('now holds');
    // No temp file of the write left beside it.
    expect(readdirSync(dataDir).filter((f) => f.startsWith('.admin-token'))).toEqual([]);
  }, 60_000);

  it('the same ADMIN_TOKEN again leaves the file as it is, without a word', async () => {
    const dataDir = newDir();
    const token = 'steady-admin-token-0123456789abcdef';
    await (await start(dataDir, token)).stop();
    expect(tokenIn(dataDir)).toBe(`${token}\n`);
    const before = statSync(join(dataDir, 'admin-token')).mtimeMs;
    const again = await start(dataDir, token);
    expect(again.output()).not.toContain('now holds');
    expect(statSync(join(dataDir, 'admin-token')).mtimeMs).toBe(before);
  }, 60_000);
});

describe('an admin-token file holding what ADMIN_TOKEN would refuse', () => {
  // A site made once (a start with a valid token), copied for each case: a folder with an admin-token but no site would be refused for that.
  let site = '';
  beforeAll(async () => {
    site = tempDataDir('herald-admin-token-site-');
    await (
      await startHerald({
        dataDir: site,
        env: { STATIC_SNAPSHOT: 'false', ADMIN_TOKEN: 'a-valid-admin-token-0123456789', DATABASE_URL: '' },
      })
    ).stop();
  });
  afterAll(() => removeDir(site));

  it.each([
    ['spaces in it', 'my new secret token 2026'],
    ['too short', 'short'],
    ['a character a Bearer token cannot hold', 'token-with-a-quote-"-0123456789'],
  ])(
    '%s: refuses to start in one line naming the file and the rule, never quoting it, and leaves it as it is',
    async (_, content) => {
      const dataDir = newDir();
      cpSync(site, dataDir, { recursive: true });
      // cpSync makes folders with the umask's mode: the outbox as Herald left it (else the start says it set it back).
      if (existsSync(join(dataDir, 'outbox'))) chmodSync(join(dataDir, 'outbox'), 0o700);
      const file = join(dataDir, 'admin-token');
      writeFileSync(file, `${content}\n`, { mode: 0o600 });
      const { code, output } = await runHeraldExpectingExit({
        DATA_DIR: dataDir,
        ADMIN_TOKEN: '',
        DATABASE_URL: '',
        STATIC_SNAPSHOT: 'false',
      });
      // Before: it started (spaces: every API call answered 401; 'short': replaced by a new token without a word).
      expect(code, output).toBe(1);
      expect(output.trim()).toBe(
        `herald: Refusing to start: ${file} does not hold a valid admin token (as ADMIN_TOKEN: at least 16 characters, only letters, digits and . _ ~ + / - (then = padding)). ` +
          'Write one there, set ADMIN_TOKEN, or empty the file to have a new one made.',
      );
      expect(output).not.toContain(content);
      expect(tokenIn(dataDir)).toBe(`${content}\n`);
    },
    60_000,
  );

  it('an empty file, or one of blanks, gets a new token, printed once', async () => {
    const dataDir = newDir();
    writeFileSync(join(dataDir, 'admin-token'), ' \n\t\n', { mode: 0o600 });
    const h = await start(dataDir, '');
    const token = tokenIn(dataDir).trim();
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(h.output()).toContain(`Generated an admin token (shown once; also stored in ${join(dataDir, 'admin-token')}):\n  ${token}`);
    expect(await status(h, token)).toBe(200);
  }, 60_000);
});
