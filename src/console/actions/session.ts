import type { Herald } from '../../herald.ts';
import { safeEqual } from '../../auth/safe-equal.ts';
import { verifyPassword } from '../../auth/password.ts';
import { sessionSetCookie, sessionToken } from '../../auth/session-cookie.ts';
import { Unavailable } from '../../domain/errors.ts';
import { recordAudit } from '../../domain/audit.ts';
import { showsSomething } from '../../domain/text.ts';
import type { SignedInWith } from '../../store/console/port.ts';

export type SignInResult =
  | { ok: true; redirect: string; setCookie: string }
  | { ok: false; status: 401 | 429 | 503; message: string; retryAfter?: number };

/** The console's state could not be reached (PostgreSQL down): 503 with its message, never a sign-in or a sign-out. */
const unavailable = (err: unknown): { ok: false; status: 503; message: string } => {
  if (err instanceof Unavailable) return { ok: false, status: 503, message: err.message };
  throw err;
};

/**
 * Signs a Comms Lead in with the admin token or ADMIN_PASSWORD, as `name`
 * (recorded in the audit log with everything they publish). Password tries
 * are limited per client address; a try is counted before the password is
 * checked, so parallel guesses cannot overtake the limit while scrypt runs.
 * The admin token is checked first, uncounted: it is as open to guessing
 * through the admin API's Bearer header, where its length (random, at least
 * 16 characters) is the defence, and it must let a Comms Lead in while a
 * flood of sign-ins has their address, or every address, limited.
 */
export async function signInAction(herald: Herald, form: FormData, ip: string, next: string): Promise<SignInResult> {
  return signIn(herald, form, ip, next).catch(unavailable);
}

async function signIn(herald: Herald, form: FormData, ip: string, next: string): Promise<SignInResult> {
  const now = () => herald.now().getTime();
  const secret = String(form.get('secret') ?? '');
  if (secret.length === 0) return { ok: false, status: 401, message: 'Enter the admin token or password.' };
  if (safeEqual(secret, herald.adminToken)) return session(herald, form, next, now(), 'token');
  const limiter = herald.console.signInFailures;
  // Counted first, in one step (one atomic upsert on PostgreSQL): a check, then a count, would let every
  // parallel guess that checked before the first count through to scrypt.
  const wait = await limiter.hit(ip, now());
  // Failed and refused sign-ins are not audited: anyone can post this form, so each would let anyone fill the
  // log, and the audit tells what signed-in people did. The limiter answers a burst with 429 (Retry-After).
  if (wait > 0) {
    return {
      ok: false,
      status: 429,
      retryAfter: wait,
      message: `Too many failed sign-ins from your address. Try again in ${Math.ceil(wait / 60)} minute(s).`,
    };
  }
  const password = herald.console.password;
  if (password === null || !(await verifyPassword(secret, password))) {
    return { ok: false, status: 401, message: 'That token or password is not right.' };
  }
  await limiter.reset(ip);
  return session(herald, form, next, now(), 'password');
}

async function session(herald: Herald, form: FormData, next: string, now: number, via: SignedInWith): Promise<SignInResult> {
  // Marks (\p{M}) too: without them "प्रिया शर्मा" signed the log "परय शरम", and a decomposed "José" "Jose".
  const name = String(form.get('name') ?? '')
    .normalize('NFC')
    .trim()
    .slice(0, 60)
    .replace(/[^\p{L}\p{M}\p{N} .'_-]/gu, '')
    .trim();
  // Marks alone (a combining grapheme joiner, a variation selector) sign as nobody a reader can see.
  const actor = `console:${showsSomething(name) ? name : 'comms-lead'}`;
  const { token } = await herald.console.sessions.create(actor, now, via);
  // `via` tells which secret let them in, the name being free text.
  await auditSession(herald, actor, 'session.sign_in', { via });
  return { ok: true, redirect: next, setCookie: sessionSetCookie(herald.config.SITE_URL, token) };
}

/**
 * Records a sign-in or a sign-out, or says in the log why it could not. A session changes nothing customers read,
 * and with the data folder refusing writes (a full disk) the console is where the Comms Lead sees what is wrong:
 * a sign-in waiting on the audit's write answered 503 and locked everyone out of it.
 */
async function auditSession(herald: Herald, actor: string, action: 'session.sign_in' | 'session.sign_out', detail?: { via: SignedInWith }) {
  try {
    await herald.run(actor, (ctx) => recordAudit(ctx, action, 'console', detail ? { detail } : {}));
  } catch (err) {
    herald.log(`[console] ${action} of ${actor} not recorded in the audit log: ${(err as Error).message}`);
  }
}

/**
 * Ends the request's session (on every replica), audited as `session.sign_out` by the session's `actor`;
 * returns the Set-Cookie that removes the cookie, or 503 when the session could not be ended. A session
 * that ends by expiry is not recorded: nobody acted.
 */
export async function signOutAction(
  herald: Herald,
  request: Request,
  actor: string,
): Promise<{ ok: true; setCookie: string } | { ok: false; status: 503; message: string }> {
  try {
    await herald.console.sessions.destroy(sessionToken(herald, request));
  } catch (err) {
    return unavailable(err);
  }
  // After the session ended: a sign-out the log could not record still ended it (its 503 said nothing changed).
  await auditSession(herald, actor, 'session.sign_out');
  return { ok: true, setCookie: sessionSetCookie(herald.config.SITE_URL, null) };
}
