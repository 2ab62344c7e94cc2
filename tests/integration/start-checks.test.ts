import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { heraldEnv, removeDir, runHeraldExpectingExit, startHerald, tempDataDir, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE, outboxSettled, subscribe, subscribeAndConfirm, to } from '../helpers/mail-flow.ts';
import { until } from '../helpers/poll.ts';
import { seedSubscribers } from '../fixtures/subscribers.ts';
import { migratedDatabase, type PgCluster, startPgCluster } from '../helpers/pg.ts';
import { DB_SCHEMA_VERSION, emptyDb } from '../../src/domain/model.ts';

/*
 * Items 9 and 12 of "Stays up under attack": what Herald checks and cleans when it
 * starts on a DATA_DIR. A link key too short to sign with stops the start (a token
 * forged with an empty key unsubscribed someone); temp files a killed journal
 * compaction left behind are removed, as herald.json's are. And a journal an older
 * Herald damaged with a hole of NULs starts, keeping the records that were whole.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(() => stopAll(...cleanup.splice(0).reverse()));

function newDir(): string {
  const dir = tempDataDir();
  cleanup.push(() => removeDir(dir));
  return dir;
}

async function start(dataDir: string, env: Record<string, string> = {}): Promise<HeraldProcess> {
  const h = await startHerald({ dataDir, env: { STATIC_SNAPSHOT: 'false', ...env } });
  cleanup.push(() => h.kill());
  return h;
}

/** Every file in the folder (recursively) with its bytes and mode: to show a refused start changed nothing. */
function snapshot(dir: string, prefix = ''): Record<string, { mode: number; bytes: string }> {
  const out: Record<string, { mode: number; bytes: string }> = {};
  for (const name of readdirSync(join(dir, prefix)).sort()) {
    const rel = join(prefix, name);
    const st = statSync(join(dir, rel));
    if (st.isDirectory()) Object.assign(out, snapshot(dir, rel));
    else out[rel] = { mode: st.mode, bytes: readFileSync(join(dir, rel)).toString('base64') };
  }
  return out;
}

const keyBytes = (dataDir: string) => Buffer.from(readFileSync(join(dataDir, 'subscribers.key'), 'utf8').trim(), 'base64');

describe('the subscribers link key', () => {
  // 60 s: a Herald that accepted a key would run until runHeraldExpectingExit kills it after 20 s.
  it('a fresh DATA_DIR gets a 32-byte key, mode 0600; the same folder with a key that is empty, 10 bytes or 31 bytes (one short) refuses to start, naming the file, and its data is left untouched', async () => {
    // One folder for the three keys (each refused start changes nothing, as checked): one Herald start, not three.
    const dataDir = newDir();
    const first = await start(dataDir);
    // Something to lose: a subscriber whose links the key signs.
    expect((await subscribe(first, { email: 'keyholder@example.com' })).status).toBe(202);
    await first.stop();
    const keyFile = join(dataDir, 'subscribers.key');
    expect(keyBytes(dataDir)).toHaveLength(32);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);

    const goodKey = readFileSync(keyFile);
    for (const shortKey of ['', randomBytes(10).toString('base64'), randomBytes(31).toString('base64')]) {
      writeFileSync(keyFile, shortKey);
      const before = snapshot(dataDir);
      const { code, output } = await runHeraldExpectingExit({ DATA_DIR: dataDir, STATIC_SNAPSHOT: 'false' });
      expect(code, output).toBe(1);
      expect(output).toContain(`herald: Refusing to start: ${keyFile}`);
      expect(output).toMatch(/at least 32/);
      // Before: "Restore it from a backup or move it aside to start empty": moved aside, a new key voided every link mailed.
      expect(output).toContain(
        `Restore it from a backup: a new key voids every unsubscribe and manage link already mailed. To give those links up knowingly, make a new key: openssl rand -base64 32 > ${keyFile}`,
      );
      expect(output).not.toMatch(/move it aside/);
      expect(output).not.toMatch(/\n\s+at /); // a message, not a stack trace
      // Every file as it was, the short key included. (The refused start leaves its herald.lock
      // behind today, with a dead pid that the next start takes over: left out of the comparison.)
      const { 'herald.lock': _lock, ...after } = snapshot(dataDir);
      const { 'herald.lock': _lockBefore, ...beforeNoLock } = before;
      expect(after).toEqual(beforeNoLock);
    }

    // With its key back, the folder starts as before: nothing was lost.
    writeFileSync(keyFile, goodKey);
    const again = await start(dataDir);
    const listed = (await (await again.admin('/subscribers')).json()) as { subscribers: Array<{ email: string }> };
    expect(listed.subscribers.map((s) => s.email)).toEqual(['keyholder@example.com']);
  }, 60_000);
});

describe('a subscribers.key that is missing (moved aside, left out of a backup) while subscribers.jsonl holds subscribers', () => {
  it('refuses to start with one line naming the file and the remedy, and makes no new key (it would void every link mailed)', async () => {
    const dataDir = newDir();
    seedSubscribers(dataDir, [{ email: 'mailed@example.com' }]);
    const keyFile = join(dataDir, 'subscribers.key');
    rmSync(keyFile);
    const before = snapshot(dataDir);
    const { code, output } = await runHeraldExpectingExit({ DATA_DIR: dataDir, STATIC_SNAPSHOT: 'false' });
    // Before: Herald started with a new key, and the links already mailed answered "not valid".
    expect(code, output).toBe(1);
    expect(output.trim()).toBe(
      `herald: Refusing to start: ${keyFile} is missing, and ${join(dataDir, 'subscribers.jsonl')} holds subscribers whose links it signed. ` +
        `Restore it from a backup: a new key voids every unsubscribe and manage link already mailed. To give those links up knowingly, make a new key: openssl rand -base64 32 > ${keyFile}`,
    );
    const { 'herald.lock': _lock, ...after } = snapshot(dataDir);
    expect(after).toEqual(before);
  }, 30_000);

  it('without ADMIN_TOKEN, the refusal comes before an admin token is made: none is shown, none stored', async () => {
    const dataDir = newDir();
    seedSubscribers(dataDir, [{ email: 'mailed@example.com' }]);
    rmSync(join(dataDir, 'subscribers.key'));
    const { code, output } = await runHeraldExpectingExit({ DATA_DIR: dataDir, STATIC_SNAPSHOT: 'false', ADMIN_TOKEN: '' });
    expect(code, output).toBe(1);
    // Before: "Generated an admin token (shown once …)" and the token, stored, ahead of the refusal, for a start
    // that then did not happen; the start after the key is restored is the one that shows it.
    expect(output).not.toContain('admin token');
    expect(output.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(dataDir, 'admin-token'))).toBe(false);
  }, 30_000);
});

describe('a DATA_DIR that lost its herald.json (a partial restore, a slip of rm) and kept the rest of its site', () => {
  it('refuses to start with one line naming the file and the remedies, touching nothing; with herald.json back, the site starts as it was', async () => {
    const smtp: TestSmtp = await startSmtp();
    cleanup.push(() => smtp.close());
    const dataDir = newDir();
    seedSubscribers(dataDir, [{ email: 'a@example.com' }, { email: 'b@example.com' }, { email: 'c@example.com' }]);
    // The site as it runs: the static copy on, an incident mailed to its three subscribers.
    const first = await startHerald({ dataDir, env: { STATIC_SNAPSHOT: 'true', SMTP_URL: smtp.url, SITE_URL: SITE } });
    cleanup.push(() => first.kill());
    expect((await first.admin('/incidents', { body: { name: 'Outage', impact: 'major', body: 'Down.' } })).status).toBe(201);
    await smtp.waitFor(3);
    await outboxSettled(first, 1);
    await until(() => existsSync(join(dataDir, 'static', 'index.html')), 'the static copy');
    await first.stop();

    const file = join(dataDir, 'herald.json');
    const kept = readFileSync(file);
    rmSync(file);
    const before = snapshot(dataDir);
    const { code, output } = await runHeraldExpectingExit({ DATA_DIR: dataDir, HERALD_SEED: 'demo', SMTP_URL: smtp.url, SITE_URL: SITE });
    // Before: it started, seeded the demo site beside the three subscribers and the kept deliveries (its incident ids
    // colliding with theirs), and rewrote static/ with the demo.
    expect(code, output).toBe(1);
    expect(output.trim()).toBe(
      `herald: Refusing to start: ${file} is missing, but ${dataDir} holds the rest of a Herald site (subscribers.key, subscribers.jsonl, deliveries.jsonl, channel-deliveries.jsonl, static/): ` +
        "a start would make a new site beside that one's subscribers and deliveries. Nothing was changed. " +
        'Restore herald.json from a backup (if the site runs on PostgreSQL, start it with its DATABASE_URL instead); ' +
        'or, to start a new site, move the folder aside and start on an empty DATA_DIR.',
    );
    // Every file as it was: no herald.json, no lock, static/ not rewritten.
    expect(snapshot(dataDir)).toEqual(before);
    expect(smtp.received).toHaveLength(3);

    writeFileSync(file, kept, { mode: 0o600 });
    const again = await start(dataDir, { SMTP_URL: smtp.url, SITE_URL: SITE });
    const incidents = (await (await again.admin('/incidents')).json()) as { incidents: Array<{ name: string }> };
    expect(incidents.incidents.map((i) => i.name)).toEqual(['Outage']);
  }, 60_000);

  it('a rollback backup alone counts too, the second of a version (herald.json.v6.1.bak) as the first', async () => {
    for (const name of ['herald.json.v6.bak', 'herald.json.v6.1.bak']) {
      const dataDir = newDir();
      writeFileSync(join(dataDir, name), '{"schema_version":6}', { mode: 0o600 });
      const { code, output } = await runHeraldExpectingExit({ DATA_DIR: dataDir, HERALD_SEED: 'demo' });
      // Before, for the second: the demo site started beside it.
      expect(code, output).toBe(1);
      expect(output).toContain(`holds the rest of a Herald site (${name})`);
      expect(readdirSync(dataDir)).toEqual([name]);
    }
  }, 30_000);

  it('a new folder, or what a first start cut short leaves (a stale lock, a temp file, empty journals, an admin-token), still starts with the demo site', async () => {
    const dataDir = newDir();
    // A first start writes herald.json before the key, the journals' records and static/; a crash before it leaves these.
    writeFileSync(join(dataDir, 'herald.lock'), '999999999 1', { mode: 0o600 });
    writeFileSync(join(dataDir, '.herald.json.999999999.tmp'), '{"schema_vers', { mode: 0o600 });
    for (const f of ['subscribers.jsonl', 'deliveries.jsonl', 'channel-deliveries.jsonl'])
      writeFileSync(join(dataDir, f), '', { mode: 0o600 });
    writeFileSync(join(dataDir, 'admin-token'), `${'t'.repeat(40)}\n`, { mode: 0o600 });
    const h = await start(dataDir, { HERALD_SEED: 'demo' });
    const incidents = (await (await h.admin('/incidents')).json()) as { incidents: unknown[] };
    expect(incidents.incidents.length).toBeGreaterThan(0);
    expect(existsSync(join(dataDir, 'herald.json'))).toBe(true);
  });
});

describe('secret files restored with loose permissions (cp -r, a backup tool: the umask makes them 0644)', () => {
  it('a DATA_DIR Herald creates is 0700; at start each of its secret files others may read is set to 0600, with one line naming it', async () => {
    const dataDir = join(newDir(), 'data');
    await (await start(dataDir)).stop();
    // Before: 0755, readable by every user of the host.
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);

    seedSubscribers(dataDir, [{ email: 'private@example.com' }]);
    const secret = 'an-admin-token-of-an-earlier-start-0123';
    writeFileSync(join(dataDir, 'admin-token'), `${secret}\n`);
    for (const f of ['deliveries.jsonl', 'channel-deliveries.jsonl']) writeFileSync(join(dataDir, f), '');
    writeFileSync(join(dataDir, 'notes.txt'), 'the operator’s own: left alone');
    const secrets = ['herald.json', 'admin-token', 'subscribers.key', 'subscribers.jsonl', 'deliveries.jsonl', 'channel-deliveries.jsonl'];
    for (const f of [...secrets, 'notes.txt']) chmodSync(join(dataDir, f), 0o644);

    const h = await start(dataDir);
    // Before: every one of them stayed 0644 (herald.json only once a write replaced it), without a word.
    for (const f of secrets) {
      expect(statSync(join(dataDir, f)).mode & 0o777, f).toBe(0o600);
      expect(h.output()).toContain(`herald: ${join(dataDir, f)} was mode 0644, readable by other users: set to 0600\n`);
    }
    expect(statSync(join(dataDir, 'notes.txt')).mode & 0o777).toBe(0o644);
    expect(h.output()).not.toContain(secret);
    expect(h.output().match(/set to 0600/g)).toHaveLength(secrets.length);
  });
});

describe('copies and messages restored with loose permissions: the upgrade backup, the outbox folder and its .eml files', () => {
  it('are 0600 (the outbox 0700) from birth; at start each is set back, the backup in a line naming it, the messages in one line for all', async () => {
    const dataDir = newDir();
    const file = join(dataDir, 'herald.json');
    writeFileSync(file, JSON.stringify({ ...emptyDb('older', new Date().toISOString()), schema_version: 5 }), { mode: 0o600 });
    const first = await start(dataDir, { SITE_URL: SITE });
    const emails = ['one@example.com', 'two@example.com', 'three@example.com'];
    for (const email of emails) expect((await subscribe(first, { email })).status).toBe(202);
    const outbox = join(dataDir, 'outbox');
    const messages = () => readdirSync(outbox).filter((f) => f.endsWith('.eml'));
    await until(() => existsSync(outbox) && messages().length === emails.length, 'a confirmation .eml per address');
    await first.stop();
    const backup = `${file}.v5.bak`;
    // As Herald writes them. Before: the outbox folder was made 0755 (the umask's), so every user could list it.
    expect(statSync(backup).mode & 0o777).toBe(0o600);
    expect(statSync(outbox).mode & 0o777).toBe(0o700);
    for (const f of messages()) expect(statSync(join(outbox, f)).mode & 0o777, f).toBe(0o600);

    // A restore with the umask's modes (cp -r, an archive).
    chmodSync(backup, 0o644);
    chmodSync(outbox, 0o755);
    for (const f of messages()) chmodSync(join(outbox, f), 0o644);
    writeFileSync(join(outbox, 'notes.txt'), 'the operator’s own: left alone');
    chmodSync(join(outbox, 'notes.txt'), 0o644);

    const h = await start(dataDir, { SITE_URL: SITE });
    // Before: all of them stayed as restored (a whole copy of the data, and messages holding addresses and live
    // confirm links, readable by every user of the host), without a word.
    expect(statSync(backup).mode & 0o777).toBe(0o600);
    expect(h.output()).toContain(`herald: ${backup} was mode 0644, readable by other users: set to 0600\n`);
    expect(statSync(outbox).mode & 0o777).toBe(0o700);
    expect(h.output()).toContain(`herald: ${outbox} was mode 0755, readable by other users: set to 0700\n`);
    for (const f of messages()) expect(statSync(join(outbox, f)).mode & 0o777, f).toBe(0o600);
    expect(h.output()).toContain(`herald: 3 files in ${outbox} were readable by other users (3 mode 0644): set to 0600\n`);
    expect(h.output()).not.toMatch(/\.eml was mode/);
    expect(statSync(join(outbox, 'notes.txt')).mode & 0o777).toBe(0o644);
  });
});

describe('an SMTP_URL the mailer cannot read', () => {
  it('stops the start at config validation, exit 1, naming SMTP_URL without its password, before DATA_DIR is created', async () => {
    const dataDir = join(newDir(), 'not-yet');
    const { code, output } = await runHeraldExpectingExit({ DATA_DIR: dataDir, SMTP_URL: 'smtp://user:SECRETPW@relay.example.com:99999' });
    expect(code, output).toBe(1);
    expect(output).toMatch(/SMTP_URL: SMTP_URL must be a URL/);
    expect(output).not.toContain('SECRETPW');
    expect(output).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(existsSync(dataDir)).toBe(false);
  });
});

describe('an SMTP_URL with no host, a SITE_URL that is no URL, a subscribe window over a day', () => {
  it.each(['smtp://', 'smtp:///', 'smtps://?requireTLS=true'])(
    'SMTP_URL=%s stops the start naming SMTP_URL (it passed and mailed localhost:587)',
    async (url) => {
      const dataDir = join(newDir(), 'not-yet');
      const { code, output } = await runHeraldExpectingExit({ DATA_DIR: dataDir, SMTP_URL: url });
      // Before: Herald started (killed after 20 s, code null) and queued mail for localhost:587.
      expect(code, output).toBe(1);
      expect(output.trim()).toBe(
        'herald: Invalid configuration:\n  SMTP_URL: SMTP_URL names no host: write it as smtp://user:password@host:587 (or smtps://…)',
      );
      expect(existsSync(dataDir)).toBe(false);
    },
  );

  it('SITE_URL=status.example.com stops the start saying what a valid value looks like', async () => {
    const dataDir = join(newDir(), 'not-yet');
    const { code, output } = await runHeraldExpectingExit({ DATA_DIR: dataDir, SITE_URL: 'status.example.com' });
    expect(code, output).toBe(1);
    // Before: "SITE_URL: Invalid URL".
    expect(output.trim()).toBe(
      'herald: Invalid configuration:\n  SITE_URL: must be an absolute http:// or https:// URL, such as https://status.example.com',
    );
  });

  it('SUBSCRIBE_LIMIT_WINDOW_SECONDS over a day (86400) stops the start naming it; 86400 is taken', async () => {
    const dataDir = join(newDir(), 'not-yet');
    const { code, output } = await runHeraldExpectingExit({ DATA_DIR: dataDir, SUBSCRIBE_LIMIT_WINDOW_SECONDS: '99999999999' });
    // Before: it started, and a limited subscribe answered Retry-After: 99999999999.
    expect(code, output).toBe(1);
    expect(output.trim()).toBe('herald: Invalid configuration:\n  SUBSCRIBE_LIMIT_WINDOW_SECONDS: Too big: expected number to be <=86400');
    const h = await start(newDir(), { SUBSCRIBE_LIMIT_WINDOW_SECONDS: '86400', STATIC_SNAPSHOT: 'false' });
    await h.stop();
  });
});

describe('npm run serve before any build', () => {
  it('stops with one line saying to build first, not a stack trace of a module not found', async () => {
    // A clone as it comes, installed and not built: the code and the packages, no dist/.
    const project = newDir();
    cpSync(join(ROOT, 'package.json'), join(project, 'package.json'));
    for (const part of ['src', 'node_modules']) symlinkSync(join(ROOT, part), join(project, part));
    const dataDir = join(project, 'data');
    const npm = spawnSync('npm', ['run', 'serve'], { cwd: project, env: heraldEnv(dataDir, {}), encoding: 'utf8', timeout: 20_000 });
    const output = npm.stdout + npm.stderr;
    expect(npm.status, output).toBe(1);
    // Before: Node's ERR_MODULE_NOT_FOUND with its stack.
    expect(output).toContain(
      `herald: Refusing to start: Herald is not built (${join(project, 'dist/server/herald.mjs')} is missing). Run \`npm run build\` first, or \`npm start\`, which builds and starts.`,
    );
    expect(output).not.toMatch(/\n\s+at |ERR_MODULE_NOT_FOUND/);
    expect(existsSync(dataDir)).toBe(false);
  });
});

describe('a HOST Herald cannot listen on', () => {
  it.each([
    ['a name that does not resolve', 'status-host.invalid', /HOST status-host\.invalid is a name that could not be resolved/],
    // TEST-NET-1 (RFC 5737): no machine has it.
    ['an address of another machine', '192.0.2.10', /HOST 192\.0\.2\.10 is not an address of this machine/],
  ])('stops the start with one line naming HOST when it is %s, and frees DATA_DIR', async (_name, host, message) => {
    const dataDir = newDir();
    const { code, output } = await runHeraldExpectingExit({ DATA_DIR: dataDir, HOST: host, STATIC_SNAPSHOT: 'false' });
    expect(code, output).toBe(1);
    expect(output).toMatch(message);
    expect(output).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dataDir, 'herald.lock'))).toBe(false);
  });
});

describe('npm run serve under a supervisor', () => {
  /** `npm run serve` in a process group of its own, as a supervisor or a terminal starts it. */
  async function serveWithNpm() {
    const dataDir = newDir();
    const npm = spawn('npm', ['run', 'serve'], {
      cwd: ROOT,
      env: heraldEnv(dataDir, { STATIC_SNAPSHOT: 'false' }),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    cleanup.push(() => {
      // Whatever of the group is still there: after a clean stop npm may have gone too (npm 11 leaves at once).
      try {
        process.kill(-npm.pid!, 'SIGKILL');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      }
    });
    let out = '';
    npm.stdout!.on('data', (d) => (out += d));
    npm.stderr!.on('data', (d) => (out += d));
    await until(() => /Herald is serving/.test(out), 'Herald to serve', 30_000);
    const stopped = () =>
      until(
        () => /SIGTERM, shutting down/.test(out) && !existsSync(join(dataDir, 'herald.lock')),
        'Herald to stop cleanly and free DATA_DIR',
      );
    return { npm, output: () => out, stopped };
  }

  it('that signals the instant Herald says it is serving: Herald stops cleanly, never killed by the signal', async () => {
    // The line a supervisor, a script or a test waits for came before Herald's signal handlers, so a
    // SIGTERM sent on it could find none and kill Herald outright, its lock left behind (one CI run).
    const dataDir = newDir();
    const preload = fileURLToPath(new URL('../fixtures/signal-on-serving.mjs', import.meta.url));
    const h = await startHerald({ dataDir, env: { STATIC_SNAPSHOT: 'false' }, nodeArgs: ['--import', preload] });
    cleanup.push(() => h.kill());
    await h.stop();
    expect({ code: h.proc.exitCode, signal: h.proc.signalCode }, h.output()).toEqual({ code: 0, signal: null });
    expect(h.output()).toMatch(/SIGTERM, shutting down/);
    expect(existsSync(join(dataDir, 'herald.lock'))).toBe(false);
  });

  it('that signals npm alone (Docker, supervisord, kill $MAINPID): Herald gets the SIGTERM and stops cleanly', async () => {
    const { npm, stopped } = await serveWithNpm();
    npm.kill('SIGTERM');
    // Before, npm's shell died and Herald ran on, orphaned, holding the port and the lock.
    await stopped();
  }, 60_000);

  it('that signals the whole group (systemd, Ctrl-C): Herald gets it twice, from npm too, and stops once, cleanly', async () => {
    const { npm, output, stopped } = await serveWithNpm();
    process.kill(-npm.pid!, 'SIGTERM');
    await stopped();
    expect(output().match(/shutting down/g)).toHaveLength(1);
  }, 60_000);
});

describe('a DKIM key the mailer cannot sign with', () => {
  it('stops the start at config validation, naming DKIM_PRIVATE_KEY (not DATA_DIR) without quoting it, before DATA_DIR is created', async () => {
    const dataDir = join(newDir(), 'not-yet');
    const missingKey = join(newDir(), 'dkim-SECRET.pem');
    const { code, output } = await runHeraldExpectingExit({
      DATA_DIR: dataDir,
      DKIM_DOMAIN: 'example.com',
      DKIM_SELECTOR: 'herald',
      DKIM_PRIVATE_KEY: missingKey,
    });
    expect(code, output).toBe(1);
    expect(output).toMatch(/DKIM_PRIVATE_KEY: DKIM_PRIVATE_KEY is neither PEM text nor a file Herald can read \(ENOENT\)/);
    expect(output).not.toMatch(/DATA_DIR|SECRET/);
    expect(output).not.toMatch(/\n\s+at /);
    expect(existsSync(dataDir)).toBe(false);
  });
});

describe('temp files a killed journal compaction left behind', () => {
  it('are removed at start (.subscribers.jsonl.<pid>.tmp, .deliveries.jsonl.<pid>.tmp), and the journals keep every record', async () => {
    const smtp: TestSmtp = await startSmtp();
    cleanup.push(() => smtp.close());
    const dataDir = newDir();
    const env = { SMTP_URL: smtp.url, SITE_URL: SITE };
    const first = await start(dataDir, env);
    // Records in both journals: confirmed and pending subscribers, confirmations and a fanned-out notice.
    await subscribeAndConfirm(first, smtp, 'confirmed@example.com');
    expect((await subscribe(first, { email: 'pending@example.com' })).status).toBe(202);
    await until(() => to(smtp, 'pending@example.com').length > 0, 'the pending address to get its confirmation');
    expect((await first.admin('/incidents', { body: { name: 'Outage', impact: 'major', body: 'Down.' } })).status).toBe(201);
    await smtp.waitFor(3);
    const outbox = await outboxSettled(first, 1);
    const subscribers = await (await first.admin('/subscribers')).json();
    await first.stop();

    const journals = ['subscribers.jsonl', 'deliveries.jsonl'];
    const content = Object.fromEntries(journals.map((f) => [f, readFileSync(join(dataDir, f))]));
    for (const f of journals) expect(content[f]!.length).toBeGreaterThan(0);
    // What a compaction killed before its rename leaves: the start of the live state, cut mid-record.
    const temps = [
      '.subscribers.jsonl.4242.tmp',
      '.deliveries.jsonl.4242.tmp',
      `.subscribers.jsonl.${first.proc.pid}.tmp`,
      `.deliveries.jsonl.${first.proc.pid}.tmp`,
    ];
    for (const t of temps) {
      const journal = content[t.includes('subscribers') ? 'subscribers.jsonl' : 'deliveries.jsonl']!;
      writeFileSync(join(dataDir, t), journal.subarray(0, Math.floor(journal.length / 2)), { mode: 0o600 });
    }
    writeFileSync(join(dataDir, 'notes.tmp'), 'not Herald’s: left alone');

    const second = await start(dataDir, env);
    for (const t of temps) expect(existsSync(join(dataDir, t)), `${t} should be gone`).toBe(false);
    expect(readFileSync(join(dataDir, 'notes.tmp'), 'utf8')).toBe('not Herald’s: left alone');
    // The journals are as they were, and Herald reads the same subscribers and outbox from them.
    for (const f of journals) expect(readFileSync(join(dataDir, f)).equals(content[f]!), `${f} unchanged`).toBe(true);
    expect(await (await second.admin('/subscribers')).json()).toEqual(subscribers);
    const after = await outboxSettled(second, 1);
    expect(after.updates).toEqual(outbox.updates);
    expect(smtp.received.map((r) => `${r.to} ${r.messageId}`)).toHaveLength(3); // nothing sent again
    await second.stop();
    expect(readdirSync(dataDir).filter((f) => f.endsWith('.tmp'))).toEqual(['notes.tmp']);
  });
});

describe('a journal an older Herald left with a hole of NULs (a short write, then a truncate past the end)', () => {
  it('starts, keeps every whole record (the one written after the hole too), drops the torn one, and reads later appends back', async () => {
    const dataDir = newDir();
    // The journal's own record format; then the damage of 6c3a462: record b cut short by a short write,
    // zeros up to where Herald thought it ended, and record c appended (O_APPEND) after them.
    seedSubscribers(
      dataDir,
      ['a', 'b', 'c', 'd'].map((x) => ({ email: `${x}@example.com` })),
    );
    const file = join(dataDir, 'subscribers.jsonl');
    const [a, b, c, d] = readFileSync(file, 'utf8').trim().split('\n') as [string, string, string, string];
    const damaged = `${a}\n${b.slice(0, 187)}${'\u0000'.repeat(167)}${c}\n${d}\n`;
    writeFileSync(file, damaged);

    const h = await start(dataDir);
    const listed = (await (await h.admin('/subscribers')).json()) as { subscribers: Array<{ email: string }> };
    expect(listed.subscribers.map((s) => s.email).sort()).toEqual(['a@example.com', 'c@example.com', 'd@example.com']);
    expect(h.output()).toMatch(/subscribers\.jsonl line 2: .*NUL/);
    // The start changed nothing in the file; new records go after it, and the next start reads them too.
    expect(readFileSync(file, 'utf8')).toBe(damaged);
    expect((await subscribe(h, { email: 'e@example.com' })).status).toBe(202);
    await h.stop();
    const again = await start(dataDir);
    const relisted = (await (await again.admin('/subscribers')).json()) as { subscribers: Array<{ email: string }> };
    expect(relisted.subscribers.map((s) => s.email).sort()).toEqual(['a@example.com', 'c@example.com', 'd@example.com', 'e@example.com']);
  });
});

describe('data a newer Herald wrote (a rolling upgrade rolled back)', () => {
  it('on the embedded engine: one line saying to run that Herald, not to restore a backup or start empty; the file unchanged', async () => {
    const dataDir = newDir();
    await (await start(dataDir)).stop();
    const file = join(dataDir, 'herald.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), schema_version: 99 }));
    const before = readFileSync(file, 'utf8');
    const { code, output } = await runHeraldExpectingExit({ DATA_DIR: dataDir, STATIC_SNAPSHOT: 'false' });
    expect(code, output).toBe(1);
    expect(output).not.toMatch(/\n\s+at /);
    // Before: "(schema_version: Invalid input: expected 5) … Restore it from a backup or move it aside to start empty."
    expect(output.trim()).toBe(
      `herald: Refusing to start: ${file} is not a valid Herald data file (schema version 99, written by a newer Herald; this one reads version ${DB_SCHEMA_VERSION}). It has not been changed. Run that Herald or a newer one.`,
    );
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});

describe('data an older Herald wrote, on the embedded engine', () => {
  it('is upgraded with one line saying so, and the file as it was is kept beside it (0600) for a rollback', async () => {
    const dataDir = newDir();
    const file = join(dataDir, 'herald.json');
    const old = JSON.stringify({ ...emptyDb('older', new Date().toISOString()), schema_version: 5 });
    writeFileSync(file, old, { mode: 0o600 });
    const h = await start(dataDir);
    const backup = `${file}.v5.bak`;
    // Before: upgraded in place without a word, and the version-5 file was gone (a version-5 Herald refuses the new one).
    expect(h.output()).toContain(
      `herald: upgraded ${file} from schema version 5 to ${DB_SCHEMA_VERSION}; the previous file is kept as ${backup}\n`,
    );
    expect(readFileSync(backup, 'utf8')).toBe(old);
    expect(statSync(backup).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8')).schema_version).toBe(DB_SCHEMA_VERSION);
    expect(readdirSync(dataDir).filter((f) => f.startsWith('herald.json.'))).toEqual(['herald.json.v5.bak']);
  });
});

/** A loopback port something else listens on, for as long as the test runs. */
async function takenPort(): Promise<number> {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  return (blocker.address() as { port: number }).port;
}

describe('a port already taken', () => {
  it('on the embedded engine: refused before DATA_DIR is opened, so data an older Herald wrote is not migrated on the way out', async () => {
    const dataDir = newDir();
    await (await start(dataDir)).stop();
    const file = join(dataDir, 'herald.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), schema_version: 5 }));
    const before = snapshot(dataDir);
    const port = await takenPort();
    const { code, output } = await runHeraldExpectingExit({ DATA_DIR: dataDir, PORT: String(port), STATIC_SNAPSHOT: 'false' });
    expect(code, output).toBe(1);
    expect(output.trim()).toMatch(new RegExp(`^herald: Refusing to start: 127\\.0\\.0\\.1:${port} is already in use\\.`));
    // Before: herald.json rewritten at version 6 (and its backup) by the start that then found the port taken.
    expect(snapshot(dataDir)).toEqual(before);
  });
});

/** A loopback port nobody listens on: the OS hands one out, and it is closed again. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('a replica started while PostgreSQL is down', () => {
  it('exits 1 within seconds with one `herald: …` line naming the refused connection, and no stack trace', async () => {
    const port = await closedPort();
    const started = Date.now();
    const { code, output } = await runHeraldExpectingExit({
      DATA_DIR: newDir(),
      DATABASE_URL: `postgres://herald@127.0.0.1:${port}/herald`,
      STATIC_SNAPSHOT: 'false',
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(code, output).toBe(1);
    expect(output).toMatch(new RegExp(`^herald: .*PostgreSQL is unreachable \\(.*ECONNREFUSED 127\\.0\\.0\\.1:${port}\\)`, 'm'));
    expect(output).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(output.trim().split('\n')).toHaveLength(1);
  });
});

/*
 * PostgreSQL answers but refuses this start: the login (28P01, 28000), the database (3D000), the
 * privileges or the schema (a refused migration). One line each, naming what to change, never
 * DATABASE_URL's password; this file's own cluster, with one role that must give a password.
 */
describe('a replica whose DATABASE_URL PostgreSQL refuses', () => {
  const PASSWORD = 'right-horse-battery-staple';
  let cluster: PgCluster;
  let db: string;
  beforeAll(async () => {
    cluster = await startPgCluster({ passwordUsers: ['herald_pw'] });
    await cluster.sql(`CREATE ROLE herald_pw LOGIN PASSWORD '${PASSWORD}'`);
    db = await cluster.database();
  });
  afterAll(() => cluster?.destroy());

  /** DATABASE_URL for `user` (with `password`, if any) on `database` of the cluster. */
  const urlFor = (user: string, password: string | null, database = new URL(db).pathname.slice(1)) =>
    `postgres://${user}${password === null ? '' : `:${encodeURIComponent(password)}`}@127.0.0.1:${cluster.port}/${database}`;

  async function refusedStart(url: string): Promise<string> {
    const { code, output, stderr } = await runHeraldExpectingExit({ DATA_DIR: newDir(), DATABASE_URL: url, STATIC_SNAPSHOT: 'false' });
    expect(code, output).toBe(1);
    expect(output).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(output).toBe(stderr); // nothing on stdout
    expect(stderr.split('\n')).toEqual([expect.stringMatching(/^herald: Herald cannot start: /), '']);
    return stderr.trimEnd();
  }

  it('a wrong password: one line naming the refused login and what to correct, exit 1, no stack, no password', async () => {
    const wrong = 'Wrong-Secret-7f3a';
    const { code, output, stderr } = await runHeraldExpectingExit({
      DATA_DIR: newDir(),
      DATABASE_URL: urlFor('herald_pw', wrong),
      STATIC_SNAPSHOT: 'false',
    });
    expect(code, output).toBe(1);
    expect(stderr).toBe(
      'herald: Herald cannot start: PostgreSQL refused the user name or password in DATABASE_URL ' +
        '(28P01: password authentication failed for user "herald_pw"). Correct them in DATABASE_URL.\n',
    );
    expect(output).toBe(stderr);
    expect(output).not.toMatch(/\n\s+at /);
    expect(output).not.toContain(wrong);
    expect(output).not.toContain(PASSWORD);
  });

  it.each([
    ['no password for a role that needs one', () => urlFor('herald_pw', null), /PostgreSQL asks for a password and DATABASE_URL has none/],
    [
      'an unknown user',
      () => urlFor('nobody', 'x'),
      /PostgreSQL refused DATABASE_URL's user \(28000: role "nobody" does not exist\)\. Check the user in DATABASE_URL/,
    ],
    [
      'a DATABASE_URL that is no URL (its port no number)',
      () => `postgres://herald_pw:${PASSWORD}@127.0.0.1:no-port/herald`,
      /DATABASE_URL is not a valid URL\. Check its host and port/,
    ],
    [
      'TLS asked of a server without it (sslmode=verify-full)',
      () => `${urlFor('herald', null)}?sslmode=verify-full`,
      /DATABASE_URL asks for TLS \(sslmode\) and PostgreSQL does not offer it/,
    ],
    [
      'a CA file that is not there (sslrootcert)',
      () => `${urlFor('herald', null)}?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem`,
      /Herald cannot read \/nonexistent\/ca\.pem \(ENOENT\)\. Check the sslrootcert/,
    ],
    [
      'a database that does not exist',
      () => urlFor('herald', null, 'no_such_db'),
      /the database in DATABASE_URL does not exist \(3D000: database "no_such_db" does not exist\)\. Create it/,
    ],
    [
      "a user without the privilege to create Herald's tables",
      () => urlFor('herald_pw', PASSWORD),
      /DATABASE_URL's user may not create or use Herald's tables \(42501: permission denied for schema public\)/,
    ],
    [
      // Migrations and the document's load, past the first connection: a schema PostgreSQL has not got.
      'a search_path naming no schema there (options=-c search_path=herald)',
      () => `${urlFor('herald', null)}?options=-c%20search_path%3Dherald`,
      /^herald: Herald cannot start: the search_path names no schema in the database in DATABASE_URL \(3F000: no schema has been selected to create in\)\. Create that schema/,
    ],
    [
      'a setting PostgreSQL cannot take (options=-c statement_timeout=foo)',
      () => `${urlFor('herald', null)}?options=-c%20statement_timeout%3Dfoo`,
      /^herald: Herald cannot start: PostgreSQL refused Herald's start on the database in DATABASE_URL \(22023: invalid value for parameter "statement_timeout": "foo"\)\. /,
    ],
  ])('%s: one line saying so', async (_name, url, message) => {
    const line = await refusedStart(url());
    expect(line).toMatch(message);
    expect(line).not.toContain(PASSWORD);
  });

  it('PostgreSQL out of connection slots (53300) is said to be that, not an outage: in the log of a running replica, and at a start', async () => {
    // A role's CONNECTION LIMIT gives the same 53300 as a full max_connections ("sorry, too many clients already"),
    // without the cluster's restart that lowering max_connections takes.
    const url = await cluster.database();
    const name = new URL(url).pathname.slice(1);
    await cluster.sql(`CREATE ROLE herald_slots LOGIN; ALTER DATABASE "${name}" OWNER TO herald_slots`);
    const limited = urlFor('herald_slots', null, name);
    const h = await start(newDir(), { DATABASE_URL: limited });
    await cluster.sql(
      `ALTER ROLE herald_slots CONNECTION LIMIT 0; SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = 'herald_slots'`,
    );
    // A new connection for the shared pool, refused.
    expect((await h.admin('/subscribers')).status).toBe(503);
    const explained = `53300: too many connections for role "herald_slots"; PostgreSQL has no connection slots left: max_connections, or a CONNECTION LIMIT of DATABASE_URL's user or database, is reached, and each replica opens up to 15 connections`;
    // Before: "… 53300: too many connections for role "herald_slots"" alone, read as an outage.
    await until(
      () => h.output().includes(explained),
      () => `a log line saying so in:\n${h.output()}`,
      10_000,
    );
    const line = await refusedStart(limited);
    // Before: "PostgreSQL is unreachable (53300: too many connections for role "herald_slots")."
    expect(line).toBe(
      `herald: Herald cannot start: PostgreSQL has no connection slots left (max_connections, or a CONNECTION LIMIT of DATABASE_URL's user or database: 53300: too many connections for role "herald_slots"). Each Herald replica opens up to 15 connections: raise the limit PostgreSQL names, or end connections others hold there, then start again.`,
    );
  });

  it('a database where a migration fails (a table of another application in the way): one line naming the migration and its reason', async () => {
    const taken = await cluster.database();
    await cluster.sql('CREATE TABLE herald_document (id int)', taken);
    const line = await refusedStart(taken);
    expect(line).toMatch(
      /^herald: Herald cannot start: Migration 001_document\.sql failed, none of the \d+ pending migrations \(001_document\.sql to \d{3}_\w+\.sql\) was applied: relation "herald_document" already exists\. Fix what PostgreSQL names/,
    );
    expect(await cluster.sql('SELECT count(*) FROM schema_migrations', taken)).toBe('0');
  });

  it('a database a newer Herald migrated further: one line saying to run that Herald, and the database is left as it was', async () => {
    // Herald's own tables first, then a migration this Herald has never heard of.
    const { url: newer, pool } = await migratedDatabase(cluster, 'start-checks');
    await pool.end();
    await cluster.sql("INSERT INTO schema_migrations (version, name) VALUES (999, '999_future.sql')", newer);
    const before = await cluster.sql("SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations", newer);
    const line = await refusedStart(newer);
    expect(line).toMatch(/the database has migration\(s\) 999 that this Herald does not know: a newer Herald .* Run that newer Herald/);
    expect(await cluster.sql("SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations", newer)).toBe(before);
  });

  it('a replica whose port is taken: refused before it connects, so it neither migrates the database nor takes the lead', async () => {
    const url = await cluster.database();
    const port = await takenPort();
    const { code, output } = await runHeraldExpectingExit({
      DATA_DIR: newDir(),
      DATABASE_URL: url,
      PORT: String(port),
      STATIC_SNAPSHOT: 'false',
    });
    expect(code, output).toBe(1);
    expect(output.trim()).toMatch(new RegExp(`^herald: Refusing to start: 127\\.0\\.0\\.1:${port} is already in use\\.`));
    // Before: every migration applied, the document written and the lead taken, then given up at the exit.
    expect(await cluster.sql("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'herald%' OR tablename = 'schema_migrations'", url)).toBe(
      '0',
    );
  });

  it('a database whose link key is missing while mail_subscribers has rows: refused, no new key made (it would void every link mailed)', async () => {
    const { url, pool } = await migratedDatabase(cluster, 'start-checks-link-key');
    await pool.end();
    await cluster.sql(
      `INSERT INTO mail_subscribers (id, email, email_key, state, components, confirms, requested_at, created_at, updated_at, confirmed_at)
       VALUES ('s1', 'mailed@example.com', 'mailed@example.com', 'confirmed', '{}', 1, now(), now(), now(), now())`,
      url,
    );
    const { code, output, stderr } = await runHeraldExpectingExit({ DATA_DIR: newDir(), DATABASE_URL: url, STATIC_SNAPSHOT: 'false' });
    expect(code, output).toBe(1);
    expect(output).not.toMatch(/\n\s+at /);
    const line = stderr.trimEnd();
    // Before: a new key was made, and the links already mailed answered "not valid".
    expect(line).toBe(
      "herald: Refusing to start: the link key (herald_secrets, name 'link-key') is missing from the database, and mail_subscribers holds " +
        'subscribers whose links it signed. Restore that row from a backup: a new key voids every unsubscribe and manage link already mailed. ' +
        "To give those links up knowingly, insert a new key: INSERT INTO herald_secrets (name, value) VALUES ('link-key', '<the output of openssl rand -base64 32>')",
    );
    expect(await cluster.sql("SELECT count(*) FROM herald_secrets WHERE name = 'link-key'", url)).toBe('0');
  });

  it('a document a newer Herald wrote: one line saying to run that Herald, no stack, the document left as it was', async () => {
    const url = await cluster.database();
    await (await start(newDir(), { DATABASE_URL: url })).stop();
    await cluster.sql("UPDATE herald_document SET data = jsonb_set(data::jsonb, '{schema_version}', '99')", url);
    const before = await cluster.sql('SELECT data FROM herald_document', url);
    const { code, output, stderr } = await runHeraldExpectingExit({ DATA_DIR: newDir(), DATABASE_URL: url, STATIC_SNAPSHOT: 'false' });
    expect(code, output).toBe(1);
    // Before: a stack trace under "InvalidStoredDocument: … (schema_version: Invalid input: expected 5)".
    expect(output).not.toMatch(/\n\s+at /);
    expect(stderr.trimEnd()).toBe(
      `herald: The Herald document in PostgreSQL is not valid for this Herald (schema version 99, written by a newer Herald; this one reads version ${DB_SCHEMA_VERSION}). It has not been changed. Run that Herald or a newer one.`,
    );
    expect(await cluster.sql('SELECT data FROM herald_document', url)).toBe(before);
  });
});
