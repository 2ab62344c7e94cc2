import { z } from 'zod';
import { resolve } from 'node:path';
import { domainToASCII } from 'node:url';
import { cleanLine } from './domain/text.ts';
import { smtpUrlProblem } from './notify/smtp-url.ts';
import { dkimKeyProblem } from './notify/dkim-key.ts';
import { mailFromProblem } from './notify/mail-from.ts';

// A value an email header or a calendar line holds: cleanLine's rule, so C1 controls too (U+0085 ends a line for some readers).
const ONE_LINE = 'must be one line without control characters, bidirectional controls or broken Unicode (a lone surrogate, a noncharacter)';

/** A string the service that uses it must be able to read: `problem` says why not, in words that never quote it. */
const readable = (problem: (value: string) => string | null) =>
  z.string().superRefine((v, ctx) => {
    const why = problem(v);
    if (why) ctx.addIssue({ code: 'custom', message: why });
  });

const SSL_MODES = ['disable', 'no-verify', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];
const decodes = (text: string): boolean => {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
};

/** DNS labels joined by dots, in ASCII (an IDN in its xn-- form): letters, digits and inner hyphens, 63 at most each. */
const DNS_NAME = /^(?=.{1,253}$)[a-z\d](?:[a-z\d-]{0,61}[a-z\d])?(?:\.[a-z\d](?:[a-z\d-]{0,61}[a-z\d])?)*$/i;
const dnsName = (name: string, example: string) =>
  z.string().regex(DNS_NAME, `${name} must be ${example}: DNS labels of letters, digits and hyphens, joined by dots`);

/** DATABASE_URL as Herald and `npm run db:*` accept it. */
export const databaseUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// or postgresql:// URL')
  // As SMTP_URL: after a '#' in a password, the rest of it would be taken for the host (and named in errors).
  .refine((v) => !v.includes('#'), "DATABASE_URL holds a '#': write it as %23 in the user name or password")
  // pg reads a broken escape as written, so PostgreSQL's answer would be "wrong password" for a typo in the URL.
  .refine((v) => decodes(/^[^:]+:\/\/([^/?]*)@/.exec(v)?.[1] ?? ''), {
    message: "DATABASE_URL's user name or password holds a '%' that is not an escape: write it as %25",
  })
  .superRefine((v, ctx) => {
    // pg takes any other sslmode for TLS verified in full, and the refusal then blamed the server for lacking TLS.
    // As pg reads it: the query's last sslmode, decoded.
    const query = v.includes('?') ? v.slice(v.indexOf('?') + 1) : '';
    const mode = new URLSearchParams(query).getAll('sslmode').at(-1);
    if (mode !== undefined && !SSL_MODES.includes(mode)) {
      ctx.addIssue({
        code: 'custom',
        message: `DATABASE_URL's sslmode=${mode.slice(0, 20)} is not a mode: write disable, no-verify or verify-full (or allow, prefer, require, verify-ca: see README)`,
      });
    }
  });

/**
 * A whole number written in digits (blanks around it allowed), at least `min` and at most `max`: Number()
 * reads ' ' as 0 and '0x10F4' as 4340, so a blank PORT listened on a random port and a blank
 * MAINTENANCE_REMINDER_MINUTES turned reminders off.
 */
const whole = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.string().trim().regex(/^\d+$/, 'must be a whole number, written in digits').transform(Number).pipe(z.number().min(min).max(max));

export const ADMIN_TOKEN_MIN = 16;
// It travels as `Authorization: Bearer <token>` (RFC 6750 token68).
const ADMIN_TOKEN_CHARS = /^[A-Za-z0-9._~+/-]+=*$/;
const ADMIN_TOKEN_ALPHABET = 'letters, digits and . _ ~ + / - (then = padding)';
/** ADMIN_TOKEN's rule, in words, for a token read from elsewhere (DATA_DIR/admin-token). */
export const ADMIN_TOKEN_RULE = `at least ${ADMIN_TOKEN_MIN} characters, only ${ADMIN_TOKEN_ALPHABET}`;
/** Whether `token` keeps ADMIN_TOKEN's rule: one that does not cannot be sent as a Bearer token, so never signs in. */
export const isAdminToken = (token: string): boolean => token.length >= ADMIN_TOKEN_MIN && ADMIN_TOKEN_CHARS.test(token);

/**
 * The longest retry delay, a day: a timer past 2^31 - 1 ms (24.8 days) fires at once, and a retry that waited
 * would then spin, logging a warning each time.
 */
const RETRY_MS_MAX = 86_400_000;

/**
 * process.env, validated once at boot. A bad value stops the start with a
 * message naming the variable.
 */
const envFields = z.object({
  PORT: whole(0, 65535).default(4321),
  HOST: z.string().min(1).default('localhost'),
  DATA_DIR: z.string().min(1).default('./data'),
  // Unset: this machine on PORT (see loadConfig), so that the links of a Herald tried out on another port work.
  SITE_URL: z
    .url({ protocol: /^https?$/, error: 'must be an absolute http:// or https:// URL, such as https://status.example.com' })
    // Every link is SITE_URL and a path: after a query or a fragment the path is lost (a confirmation link's
    // token after '#' never reaches the server), and a user name and password would be in every public link.
    .refine((v) => !/[?#]/.test(v), 'must hold no query (?) or fragment (#): every link is SITE_URL followed by a path')
    .refine((v) => {
      const u = URL.parse(v);
      return u === null || (u.username === '' && u.password === '');
    }, 'must hold no user name or password: it is in every public link')
    // Pages, assets, the API and the embed script all live at the host's root: under a path, none of them resolves.
    .refine(
      (v) => /^\/*$/.test(URL.parse(v)?.pathname ?? '/'),
      'must hold no path (https://example.com/status): Herald serves from the root of a host of its own, such as https://status.example.com',
    )
    // One form for every reader: HSTS and Secure cookies test its scheme as a string, and the API, feeds and links
    // show it (HTTPS://Status.Example.COM turned HSTS off). Scheme and host in lower case, as a browser's Origin has them.
    .transform((v) => new URL(v).origin)
    .optional(),
  // It goes into email headers and calendar lines: one line of printable text.
  // Blanks around it are dropped; only blanks is refused, as a PORT of only spaces is (empty means the default).
  SITE_NAME: z
    .string()
    .trim()
    .min(1, 'must hold more than blanks (leave it empty for the default, Herald Status)')
    .max(100)
    .refine(cleanLine, ONE_LINE)
    .default('Herald Status'),
  // An unknown zone would otherwise surface later, as a failure of every page render.
  SITE_TIMEZONE: z
    .string()
    .refine((tz) => isTimeZone(tz) && !/^[+-\d]/.test(tz), 'must be an IANA time zone, e.g. UTC or Europe/Berlin (not an offset)')
    .transform(zoneCase)
    .superRefine((tz, ctx) => {
      if (!CASED.test(tz) || (tz.includes('/') && tz === tz.toUpperCase()))
        ctx.addIssue({
          code: 'custom',
          message: `must be written as the zone database spells it, with its capitals (${capitalised(tz)}?), or as ${canonical(tz)}, the same zone`,
        });
    })
    .default('UTC'),
  ADMIN_TOKEN: z
    .string()
    .min(ADMIN_TOKEN_MIN, `ADMIN_TOKEN must be at least ${ADMIN_TOKEN_MIN} characters`)
    .regex(ADMIN_TOKEN_CHARS, `ADMIN_TOKEN may hold only ${ADMIN_TOKEN_ALPHABET}`)
    .optional(),
  // Not trimmed: spaces may be part of a password. Only spaces is a slip (an env file's `ADMIN_PASSWORD=  `), not one.
  ADMIN_PASSWORD: z
    .string()
    .min(8)
    .refine((v) => v.trim() !== '', 'must hold more than blanks (leave it empty for no console password)')
    .optional(),
  // Read here, before anything is created, as the mailer reads it; the message never quotes it (a password).
  SMTP_URL: readable(smtpUrlProblem).optional(),
  // The From header of every email: a line break in it would end the header (one line, like SITE_NAME); the one
  // address in it is also the envelope's sender, without which no relay takes a message.
  MAIL_FROM: readable(mailFromProblem).refine(cleanLine, ONE_LINE).default('Status <status@localhost>'),
  /** Email (src/notify): SMTP connections kept open, retries, DKIM, subscribe rate limits. */
  SMTP_POOL_SIZE: whole(1, 50).default(5),
  // nodemailer's own limits are 2 min to connect and 10 min of silence: a relay that stops answering held every
  // connection, confirmations included, that long per attempt.
  SMTP_TIMEOUT_MS: whole(1_000, 600_000).default(60_000),
  MAIL_RETRY_BASE_MS: whole(1, RETRY_MS_MAX).default(30_000),
  MAIL_RETRY_MAX_MS: whole(1, RETRY_MS_MAX).default(3_600_000),
  MAIL_MAX_ATTEMPTS: whole(1, 100).default(8),
  /** On PostgreSQL, how long a replica holds the deliveries it claimed before another may take them (it died, say). */
  MAIL_LEASE_SECONDS: whole(1, 3600).default(60),
  // nodemailer writes both into the DKIM-Signature as given, dropping what a header cannot hold: a URL or a
  // blank there signed every message with a d= or s= no DNS has, so every message failed DKIM (and DMARC).
  // A Unicode domain is signed in its A-label (xn--) form, as nodemailer writes it (RFC 6376 3.5).
  DKIM_DOMAIN: z
    .preprocess(
      // Only a Unicode name: domainToASCII also reads %-escapes and numbers (0x7f.1), which would sign another domain.
      (v) => (typeof v === 'string' && /[^\x00-\x7f]/.test(v) ? domainToASCII(v) || v : v),
      dnsName('DKIM_DOMAIN', 'a domain name such as example.com'),
    )
    .optional(),
  DKIM_SELECTOR: dnsName('DKIM_SELECTOR', 'a DNS label such as herald2026 (dots may join labels)').optional(),
  /** PEM text (\n may be written as \\n) or a path to the PEM file; read here as the mailer reads it, never quoted. */
  DKIM_PRIVATE_KEY: readable(dkimKeyProblem).optional(),
  SUBSCRIBE_LIMIT_PER_IP: whole(1).default(20),
  SUBSCRIBE_LIMIT_PER_ADDRESS: whole(1).default(3),
  /** A day at most: the limit's rows are kept until its window ends (README), and Retry-After says how long that is. */
  SUBSCRIBE_LIMIT_WINDOW_SECONDS: whole(1, 86_400).default(600),
  /** Each request to an address mails it: a day's cap, so a stranger cannot send it one every few minutes all day. */
  SUBSCRIBE_LIMIT_PER_ADDRESS_PER_DAY: whole(1).default(10),
  HERALD_SEED: z.enum(['demo', 'none']).default('demo'),
  /** Multiplies the runbook update cadence (tests use a tiny scale to see "overdue" quickly). */
  HERALD_CADENCE_SCALE: z
    .string()
    .trim()
    .regex(/^\d*\.?\d+$/, 'must be a decimal number such as 0.5, written in digits')
    .transform(Number)
    .pipe(z.number().positive().max(100))
    .default(1),
  /** Minutes before a maintenance window starts that subscribers are reminded; 0 = no reminder. */
  MAINTENANCE_REMINDER_MINUTES: whole(0, 10_080).default(60),
  /** Keep a static copy of the public site in DATA_DIR/static, refreshed this long after each publish. */
  STATIC_SNAPSHOT: z
    .enum(['true', 'false', '1', '0'])
    .default('true')
    .transform((v) => v === 'true' || v === '1'),
  STATIC_DEBOUNCE_MS: whole(0, 600_000).default(1_000),
  /** A client must send its request headers within this time, or the socket is closed (slowloris). */
  HEADERS_TIMEOUT_MS: whole(500, 600_000).default(10_000),
  TRUST_PROXY: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  /** Behind TRUST_PROXY: how many of your proxies append to X-Forwarded-For (the client is that many entries from the right). */
  TRUST_PROXY_HOPS: whole(1, 10).default(1),
  /**
   * PostgreSQL instead of the embedded files: postgres://user:password@host:5432/database. Several
   * Herald replicas may share one database (each with its own DATA_DIR for its static copy).
   */
  DATABASE_URL: databaseUrl.optional(),
  /** Channels (src/channels) may post to private addresses and plain http; cloud metadata addresses stay refused. */
  ALLOW_PRIVATE_WEBHOOKS: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  /** A channel post gets this long for an answer. */
  CHANNEL_TIMEOUT_MS: whole(100, 60_000).default(5_000),
  /** First retry delay of a channel post (doubling, jittered, up to CHANNEL_RETRY_MAX_MS). */
  CHANNEL_RETRY_BASE_MS: whole(1, RETRY_MS_MAX).default(10_000),
  CHANNEL_RETRY_MAX_MS: whole(1, RETRY_MS_MAX).default(600_000),
});

const DKIM_VARIABLES = ['DKIM_DOMAIN', 'DKIM_SELECTOR', 'DKIM_PRIVATE_KEY'] as const;

const envSchema = envFields.superRefine((env, ctx) => {
  // Swapped, every retry waited the shorter time: a relay down for a second failed a message for good.
  for (const kind of ['MAIL', 'CHANNEL'] as const) {
    if (env[`${kind}_RETRY_BASE_MS`] > env[`${kind}_RETRY_MAX_MS`]) {
      const message = `must be at most ${kind}_RETRY_MAX_MS (${env[`${kind}_RETRY_MAX_MS`]})`;
      ctx.addIssue({ code: 'custom', path: [`${kind}_RETRY_BASE_MS`], message });
    }
  }
  // Two of the three would sign nothing, silently: DKIM is all three or none.
  const missing = DKIM_VARIABLES.filter((name) => env[name] === undefined);
  if (missing.length > 0 && missing.length < DKIM_VARIABLES.length) {
    const message = `DKIM signing needs ${DKIM_VARIABLES.join(', ')} all set; ${missing.join(' and ')} missing`;
    ctx.addIssue({ code: 'custom', path: [missing[0]!], message });
  }
});

/**
 * Intl takes a zone in any case ("america/santiago"), and pages and the API name it: written as the zone
 * database spells it when ICU knows that spelling ("America/Santiago"). ICU's own name for some zones is an
 * older one (Asia/Kolkata resolves to Asia/Calcutta, Europe/Kyiv to Europe/Kiev), and it lists no other
 * names, so another name is kept as given, and refused (CASED) unless written with its capitals: Herald cannot
 * tell "asia/kolkata" from a spelling, and "Times in asia/kolkata" is what customers would read.
 */
function zoneCase(tz: string): string {
  const resolved = new Intl.DateTimeFormat('en', { timeZone: tz }).resolvedOptions().timeZone;
  if (resolved.toLowerCase() === tz.toLowerCase()) return resolved;
  return Intl.supportedValuesOf('timeZone').find((z) => z.toLowerCase() === tz.toLowerCase()) ?? tz;
}

/**
 * Every part of the name starts with a capital, as the zone database writes them: Asia/Kolkata, US/Eastern,
 * Etc/GMT+5 (and a name with a `/` is never all capitals).
 */
const CASED = /^[A-Z][^/]*(?:\/[A-Z][^/]*)*$/;

/** ICU's name for the zone: a sure spelling, if an older name (Asia/Calcutta for Asia/Kolkata). */
const canonical = (tz: string) => new Intl.DateTimeFormat('en', { timeZone: tz }).resolvedOptions().timeZone;

/** A guess at the spelling, for the message: each word's first letter a capital ("Us/Eastern" for US/Eastern is wrong). */
const capitalised = (tz: string) => tz.toLowerCase().replace(/(^|[/_-])([a-z])/g, (_, sep: string, c: string) => sep + c.toUpperCase());

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export type Env = z.infer<typeof envSchema>;

export interface Config extends Omit<Env, 'SITE_URL'> {
  SITE_URL: string;
  dataDir: string;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const cfg = parsed.data;
  // PORT 0 (a free port, chosen when listening) has no address yet: the default port's stands in.
  const siteUrl = cfg.SITE_URL ?? `http://localhost:${cfg.PORT || 4321}`;
  return { ...cfg, SITE_URL: siteUrl.replace(/\/+$/, ''), dataDir: resolve(cfg.DATA_DIR) };
}
