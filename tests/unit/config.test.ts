import { afterAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config.ts';

/** The message loadConfig refuses with, or null when it accepts. */
function refusal(env: Record<string, string>): string | null {
  try {
    loadConfig(env);
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
}

describe('configuration from the environment', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      PORT: 4321,
      HOST: 'localhost',
      DATA_DIR: './data',
      SITE_URL: 'http://localhost:4321',
      SITE_NAME: 'Herald Status',
      SITE_TIMEZONE: 'UTC',
      MAIL_FROM: 'Status <status@localhost>',
      HERALD_SEED: 'demo',
      TRUST_PROXY: false,
    });
    expect(c.ADMIN_TOKEN).toBeUndefined();
    expect(c.dataDir).toBe(resolve('./data'));
  });

  it('links to this machine on PORT when SITE_URL is unset (a Herald tried out on another port)', () => {
    expect(loadConfig({ PORT: '4399' }).SITE_URL).toBe('http://localhost:4399');
    expect(loadConfig({ PORT: '4399', SITE_URL: 'https://status.example.com/' }).SITE_URL).toBe('https://status.example.com');
    // A free port is chosen when listening: the default port stands in.
    expect(loadConfig({ PORT: '0' }).SITE_URL).toBe('http://localhost:4321');
  });

  it('treats empty variables as unset', () => {
    const c = loadConfig({ PORT: '', ADMIN_TOKEN: '', SITE_URL: '' });
    expect([c.PORT, c.ADMIN_TOKEN, c.SITE_URL]).toEqual([4321, undefined, 'http://localhost:4321']);
  });

  it('an empty number (`PORT=` in an env file) takes its default, as README says; only spaces are refused', () => {
    // README once said a blank was refused: it meant spaces (Number(' ') is 0), not an empty value, which is unset.
    const c = loadConfig({ PORT: '', MAINTENANCE_REMINDER_MINUTES: '', SMTP_POOL_SIZE: '' });
    expect([c.PORT, c.MAINTENANCE_REMINDER_MINUTES, c.SMTP_POOL_SIZE]).toEqual([4321, 60, 5]);
    for (const name of ['PORT', 'MAINTENANCE_REMINDER_MINUTES', 'SMTP_POOL_SIZE'])
      expect(() => loadConfig({ [name]: '  ' }), name).toThrow(new RegExp(`${name}: must be a whole number`));
  });

  it('normalizes what it accepts', () => {
    const c = loadConfig({
      PORT: '8080',
      SITE_URL: 'https://status.example.com///',
      DATA_DIR: 'var/herald',
      TRUST_PROXY: '1',
      SITE_TIMEZONE: 'US/Eastern',
    });
    expect(c.PORT).toBe(8080);
    expect(c.SITE_URL).toBe('https://status.example.com');
    expect(isAbsolute(c.dataDir)).toBe(true);
    expect(c.TRUST_PROXY).toBe(true);
    expect(c.SITE_TIMEZONE).toBe('US/Eastern'); // an alias, as Intl accepts it
  });

  it('SITE_URL is written as its origin, scheme and host in lower case, whatever case it was typed in', () => {
    // From a hunt: HTTPS://Status.Example.COM was kept as typed, so HSTS and Secure cookies (startsWith('https:')) stayed off.
    const site = (url: string) => loadConfig({ SITE_URL: url }).SITE_URL;
    expect(site('HTTPS://Status.Example.COM')).toBe('https://status.example.com');
    expect(site('Http://Status.Example.COM:8080/')).toBe('http://status.example.com:8080');
    expect(site('https://status.example.com:443')).toBe('https://status.example.com');
  });

  it('SITE_NAME loses the blanks around it; only blanks, or an ADMIN_PASSWORD of only blanks, is refused, naming the variable', () => {
    // From a hunt: '   ' was accepted (a page titled '   ', mail subjects '[   ] Confirm…'), and eight spaces as a password.
    expect(loadConfig({ SITE_NAME: '  Acme Status  ' }).SITE_NAME).toBe('Acme Status');
    expect(refusal({ SITE_NAME: '   ' })).toMatch(/^Invalid configuration:\n {2}SITE_NAME: must hold more than blanks/);
    expect(refusal({ ADMIN_PASSWORD: ' '.repeat(8) })).toMatch(/^Invalid configuration:\n {2}ADMIN_PASSWORD: must hold more than blanks/);
    expect(loadConfig({ ADMIN_PASSWORD: ' pass phrase ' }).ADMIN_PASSWORD).toBe(' pass phrase ');
    // Empty is unset, as for every variable: the default name, no password.
    const empty = loadConfig({ SITE_NAME: '', ADMIN_PASSWORD: '' });
    expect([empty.SITE_NAME, empty.ADMIN_PASSWORD]).toEqual(['Herald Status', undefined]);
  });

  it('SITE_TIMEZONE in another case is written as the zone database spells it; a current name stays as given', () => {
    const zone = (tz: string) => loadConfig({ SITE_TIMEZONE: tz }).SITE_TIMEZONE;
    // Before: 'america/santiago' on the page and in the v2 API.
    expect(zone('america/santiago')).toBe('America/Santiago');
    expect(zone('utc')).toBe('UTC');
    // ICU resolves these to their old names (Asia/Calcutta, Europe/Kiev): not what the operator chose.
    expect(zone('Asia/Kolkata')).toBe('Asia/Kolkata');
    expect(zone('Europe/Kyiv')).toBe('Europe/Kyiv');
    // Listed by ICU in their own case, though ICU resolves them to other names.
    expect(zone('america/port-au-prince')).toBe('America/Port-au-Prince');
    expect(zone('antarctica/mcmurdo')).toBe('Antarctica/McMurdo');
    expect(zone('etc/gmt+5')).toBe('Etc/GMT+5');
  });

  it('HERALD_CADENCE_SCALE is a decimal factor in digits: hex, an exponent or blanks are refused, as for the other numbers', () => {
    // From a hunt: 0x2 started as 2, and a blank was refused as "Too small".
    expect(loadConfig({ HERALD_CADENCE_SCALE: '0.5' }).HERALD_CADENCE_SCALE).toBe(0.5);
    expect(loadConfig({ HERALD_CADENCE_SCALE: '.25' }).HERALD_CADENCE_SCALE).toBe(0.25);
    expect(loadConfig({ HERALD_CADENCE_SCALE: '3' }).HERALD_CADENCE_SCALE).toBe(3);
    expect(loadConfig({}).HERALD_CADENCE_SCALE).toBe(1);
    for (const bad of ['0x2', '1e1', ' ', '-1', '0', '101'])
      expect(() => loadConfig({ HERALD_CADENCE_SCALE: bad }), bad).toThrow(/HERALD_CADENCE_SCALE/);
    expect(() => loadConfig({ HERALD_CADENCE_SCALE: '0x2' })).toThrow(/decimal number/);
  });

  it('SITE_TIMEZONE: another name for a zone, not written with its capitals, is refused with a guess at them; an offset is refused', () => {
    // From a hunt: kept as typed, customers read "Times in asia/kolkata" and the v2 API gave that as time_zone.
    const refusal = (tz: string) => {
      try {
        loadConfig({ SITE_TIMEZONE: tz });
      } catch (err) {
        return (err as Error).message;
      }
      return 'accepted';
    };
    // (ICU, pinned with Node, names these zones Asia/Calcutta, Europe/Kiev, Asia/Saigon, America/New_York.)
    expect(refusal('asia/kolkata')).toMatch(/SITE_TIMEZONE.*with its capitals \(Asia\/Kolkata\?\), or as Asia\/Calcutta, the same zone/);
    expect(refusal('us/eastern')).toMatch(/or as America\/New_York, the same zone/);
    expect(refusal('europe/kyiv')).toMatch(/\(Europe\/Kyiv\?\)/);
    expect(refusal('ASIA/HO_CHI_MINH')).toMatch(/\(Asia\/Ho_Chi_Minh\?\)/);
    expect(refusal('US/Eastern')).toBe('accepted');
    expect(refusal('+05:30')).toMatch(/SITE_TIMEZONE.*not an offset/);
    expect(refusal('-0300')).toMatch(/SITE_TIMEZONE.*not an offset/);
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['a port that is not a number', { PORT: 'http' }, /PORT/],
    ['a port out of range', { PORT: '70000' }, /PORT/],
    ['a site URL that is not http(s)', { SITE_URL: 'ftp://status.example.com' }, /SITE_URL/],
    ['a site URL that is not a URL', { SITE_URL: 'status page' }, /SITE_URL/],
    // From a review: every link is SITE_URL and a path, so a query or fragment broke them all (a confirmation
    // token after '#' never reaches the server), and a user name and password went into every public link.
    ['a site URL with a query', { SITE_URL: 'https://status.example.com/?y=1' }, /SITE_URL: must hold no query/],
    ['a site URL with a fragment', { SITE_URL: 'https://status.example.com/#f' }, /SITE_URL: must hold no query/],
    ['a site URL with credentials', { SITE_URL: 'https://user:pw@status.example.com' }, /SITE_URL: must hold no user name/],
    // From a hunt: accepted, then the pages' assets and links, the API and the embed script's polls all missed the path.
    ['a site URL with a path', { SITE_URL: 'https://example.com/status/' }, /SITE_URL: must hold no path/],
    // From a review: Number(' ') is 0, so a blank PORT listened on a random port and a blank reminder turned reminders off.
    ['a blank port', { PORT: ' ' }, /PORT: must be a whole number/],
    ['a hexadecimal port', { PORT: '0x10F4' }, /PORT: must be a whole number/],
    ['a blank reminder', { MAINTENANCE_REMINDER_MINUTES: ' ' }, /MAINTENANCE_REMINDER_MINUTES: must be a whole number/],
    ['a binary pool size', { SMTP_POOL_SIZE: '0b11' }, /SMTP_POOL_SIZE: must be a whole number/],
    // Swapped: every retry of a mail waited 10 ms, and a relay down for a second failed it for good.
    [
      'a first mail retry after the longest',
      { MAIL_RETRY_BASE_MS: '100000', MAIL_RETRY_MAX_MS: '10' },
      /MAIL_RETRY_BASE_MS: must be at most MAIL_RETRY_MAX_MS/,
    ],
    [
      'a first channel retry after the longest',
      { CHANNEL_RETRY_BASE_MS: '700000' },
      /CHANNEL_RETRY_BASE_MS: must be at most CHANNEL_RETRY_MAX_MS/,
    ],
    // From a hunt: a delay past 2^31 - 1 ms fired every millisecond, each time logging a TimeoutOverflowWarning.
    ['a channel retry past a day', { CHANNEL_RETRY_BASE_MS: '3000000000', CHANNEL_RETRY_MAX_MS: '3000000000' }, /CHANNEL_RETRY_MAX_MS/],
    ['a mail retry past a day', { MAIL_RETRY_MAX_MS: '86400001' }, /MAIL_RETRY_MAX_MS/],
    ['a short admin token', { ADMIN_TOKEN: 'short' }, /ADMIN_TOKEN must be at least 16 characters/],
    ['an unknown seed', { HERALD_SEED: 'lots' }, /HERALD_SEED/],
    ['a TRUST_PROXY that is not a boolean', { TRUST_PROXY: 'yes please' }, /TRUST_PROXY/],
    ['a site name over 100 characters', { SITE_NAME: 'x'.repeat(101) }, /SITE_NAME/],
    // An unknown zone would only fail later, on every page render.
    ['an unknown time zone', { SITE_TIMEZONE: 'Mars/Olympus_Mons' }, /SITE_TIMEZONE/],
    [
      'an SMTP_URL that is not smtp(s)',
      { SMTP_URL: 'http://relay.example.com' },
      /SMTP_URL: SMTP_URL must start with smtp:\/\/ or smtps:\/\//,
    ],
    // C1 controls (U+0085 is NEL, a line break to some readers) go into email headers and calendar lines like CR/LF.
    ['a site name with U+0085 (NEL)', { SITE_NAME: 'Acme\u0085Status' }, /SITE_NAME: must be one line/],
    ['a site name with U+009B (CSI)', { SITE_NAME: '\u009b31mAcme' }, /SITE_NAME: must be one line/],
    // Nodemailer folded a leading line break into a broken From header.
    ['a MAIL_FROM with a leading line break', { MAIL_FROM: '\r\nStatus <status@example.com>' }, /MAIL_FROM: must be one line/],
    [
      'a MAIL_FROM with an inner line break',
      { MAIL_FROM: 'Status <status@example.com>\r\nBcc: x@example.com' },
      /MAIL_FROM: must be one line/,
    ],
    // Its one address is every message's envelope sender: without one, no relay takes a message.
    ['a MAIL_FROM naming no address', { MAIL_FROM: 'Status' }, /MAIL_FROM: must name one email address/],
    ['a MAIL_FROM naming two', { MAIL_FROM: 'a@example.com, b@example.com' }, /MAIL_FROM: must name one email address/],
    ['a MAIL_FROM whose address lacks its domain', { MAIL_FROM: 'Status <status>' }, /MAIL_FROM: must name one email address/],
  ])('refuses %s, naming the variable', (_name, env, message) => {
    const text = refusal(env);
    expect(text).toMatch(/^Invalid configuration:/);
    expect(text).toMatch(message);
  });

  it.each([
    ['a port out of range', 'smtp://user:SECRETPW@relay.example.com:99999'],
    ['no URL at all', 'user:SECRETPW at relay.example.com'],
    ['a broken %-escape in the password', 'smtp://user:SECRET%zzPW@relay.example.com:587'],
    // Read as a URL, the host would be "PW@relay…" cut at the '#': errors then named a piece of the password.
    ['a raw # in the password', 'smtp://user:SE@CRET#PW@relay.example.com:587'],
  ])('refuses an SMTP_URL with %s, naming SMTP_URL without quoting its password', (_name, url) => {
    const text = refusal({ SMTP_URL: url })!;
    expect(text).toMatch(/^Invalid configuration:\n {2}SMTP_URL: /);
    expect(text).not.toMatch(/SECRET/);
  });

  it('refuses a DATABASE_URL with a raw # in the password, without quoting it', () => {
    const text = refusal({ DATABASE_URL: 'postgres://herald:SE@CRET#PW@127.0.0.1:5432/herald' })!;
    expect(text).toMatch(/^Invalid configuration:\n {2}DATABASE_URL: DATABASE_URL holds a '#'/);
    expect(text).not.toMatch(/SECRET|CRET|PW/);
    expect(refusal({ DATABASE_URL: 'postgres://herald:p%23ss@127.0.0.1:5432/herald' })).toBeNull();
  });

  it('refuses a DATABASE_URL whose password holds a broken escape, or whose sslmode pg does not know, without quoting the password', () => {
    const broken = refusal({ DATABASE_URL: 'postgres://herald:PASSWD%zzX@127.0.0.1:5432/herald' })!;
    expect(broken).toMatch(
      /^Invalid configuration:\n {2}DATABASE_URL: DATABASE_URL's user name or password holds a '%' that is not an escape/,
    );
    expect(broken).not.toMatch(/PASSWD|zzX/);
    const mode = refusal({ DATABASE_URL: 'postgres://herald:SECRET@127.0.0.1:5432/herald?sslmode=bogus' })!;
    expect(mode).toMatch(
      /^Invalid configuration:\n {2}DATABASE_URL: DATABASE_URL's sslmode=bogus is not a mode: write disable, no-verify or verify-full/,
    );
    expect(mode).not.toMatch(/SECRET/);
    // As pg reads the query: the last sslmode, decoded.
    expect(refusal({ DATABASE_URL: 'postgres://herald@127.0.0.1:5432/herald?sslmode=disable&sslmode=bogus' })).toMatch(
      /sslmode=bogus is not a mode/,
    );
    expect(refusal({ DATABASE_URL: 'postgres://herald@127.0.0.1:5432/herald?sslmode=%64isable' })).toBeNull();
    for (const ok of ['disable', 'no-verify', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full']) {
      expect(refusal({ DATABASE_URL: `postgres://herald:p%25ss@127.0.0.1:5432/herald?application_name=x&sslmode=${ok}` }), ok).toBeNull();
    }
  });

  it('accepts the SMTP_URLs the mailer reads (smtp, smtps, an encoded password, query flags)', () => {
    for (const url of ['smtp://relay.example.com', 'smtps://u:p%40ss@relay.example.com:465', 'smtp://[::1]:2525?ignoreTLS=true']) {
      expect(refusal({ SMTP_URL: url }), url).toBeNull();
    }
  });

  describe('DKIM', () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-dkim-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const pem = (type: 'rsa' | 'ed25519') =>
      (type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519')).privateKey
        .export({ type: 'pkcs8', format: 'pem' })
        .toString();
    const rsa = pem('rsa');
    const keyFile = join(dir, 'dkim.pem');
    writeFileSync(keyFile, rsa);
    const dkim = (key: string) => ({ DKIM_DOMAIN: 'example.com', DKIM_SELECTOR: 'herald', DKIM_PRIVATE_KEY: key });

    it('accepts an RSA key as PEM text, as PEM text on one line (\\n), or as a file', () => {
      for (const key of [rsa, rsa.replace(/\n/g, '\\n'), keyFile]) expect(refusal(dkim(key))).toBeNull();
    });

    // nodemailer signs rsa-sha256 only and, given a key it cannot use, sends every message unsigned without a word.
    it.each<[string, () => string, RegExp]>([
      [
        'a file that is not there',
        () => join(dir, 'missing.pem'),
        /DKIM_PRIVATE_KEY: DKIM_PRIVATE_KEY is neither PEM text nor a file Herald can read \(ENOENT\)/,
      ],
      [
        'PEM text holding no key',
        () => '-----BEGIN PRIVATE KEY-----\\nSECRETnotakey\\n-----END PRIVATE KEY-----',
        /DKIM_PRIVATE_KEY: DKIM_PRIVATE_KEY holds no private key in PEM/,
      ],
      [
        'an Ed25519 key',
        () => pem('ed25519'),
        /DKIM_PRIVATE_KEY: DKIM_PRIVATE_KEY must be an RSA private key \(DKIM's rsa-sha256\), not ed25519/,
      ],
    ])('refuses %s, naming DKIM_PRIVATE_KEY without quoting it', (_name, key, message) => {
      const text = refusal(dkim(key()))!;
      expect(text).toMatch(message);
      expect(text).not.toMatch(/SECRET|missing\.pem|BEGIN/);
    });

    it('refuses a DKIM_DOMAIN or DKIM_SELECTOR that is not DNS labels (every message would fail DKIM), accepting those that are', () => {
      // Before: all of these started, signing d=https://example.com/ or s=s 1.
      for (const [name, value] of [
        ['DKIM_DOMAIN', 'https://example.com/'],
        ['DKIM_DOMAIN', 'exa mple;x=y'],
        ['DKIM_DOMAIN', 'example.com.'],
        // domainToASCII would read it as example.com: not what was written.
        ['DKIM_DOMAIN', 'ex%41mple.com'],
        ['DKIM_SELECTOR', 's 1'],
        ['DKIM_SELECTOR', '-herald'],
      ] as const) {
        expect(refusal({ ...dkim(keyFile), [name]: value }), value).toMatch(
          new RegExp(`^Invalid configuration:\\n {2}${name}: ${name} must be `),
        );
      }
      for (const [domain, selector] of [
        ['mail.example.co.uk', 'herald2026.corp'],
        ['xn--bcher-kva.example', 's1'],
        // Signed in its A-label form, as nodemailer writes it.
        ['bücher.example', 's1'],
        ['EXAMPLE.com', 'Herald-1'],
      ] as const) {
        expect(refusal({ ...dkim(keyFile), DKIM_DOMAIN: domain, DKIM_SELECTOR: selector }), domain).toBeNull();
      }
    });

    it('refuses two of the three variables (nothing would be signed), naming what is missing', () => {
      expect(refusal({ DKIM_DOMAIN: 'example.com', DKIM_PRIVATE_KEY: keyFile })).toMatch(
        /DKIM_SELECTOR: DKIM signing needs DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY all set; DKIM_SELECTOR missing/,
      );
      expect(refusal({ DKIM_SELECTOR: 'herald' })).toMatch(/DKIM_DOMAIN and DKIM_PRIVATE_KEY missing/);
      expect(refusal({})).toBeNull();
    });
  });

  it('lists every bad variable at once', () => {
    const text = refusal({ PORT: '-1', HERALD_SEED: 'x' })!;
    expect(text).toMatch(/PORT/);
    expect(text).toMatch(/HERALD_SEED/);
  });
});
