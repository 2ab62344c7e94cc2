import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Herald } from '../../herald.ts';
import { PRIVATE_CACHE } from '../../http/security.ts';
import { requestSession, sessionActor, type SessionVariables } from '../../auth/session-cookie.ts';
import { safeEqual } from '../../auth/safe-equal.ts';
import { Unauthorized } from '../../http/errors.ts';
import { under } from '../../http/body.ts';

export type AdminEnv = { Variables: { actor: string } & SessionVariables };

/** The token of an `Authorization` header of the Bearer scheme (RFC 6750 token68). */
const TOKEN68 = /^[A-Za-z0-9._~+/-]+=*$/;

/**
 * The token an `Authorization: Bearer <token>` header carries, or null when
 * the header is not that (another scheme, no token, "Bearer a b c", a
 * character no token has). The one reading of the header, for the guard and
 * for the body limits before it (spelled as Hono's bearer-auth reads it:
 * the scheme in any case, spaces before the token).
 */
export function bearerToken(authorization: string): string | null {
  if (!/^bearer /i.test(authorization)) return null;
  const token = authorization.slice('bearer '.length).trimStart();
  return TOKEN68.test(token) ? token : null;
}

/**
 * A 401 with the JSON error and the Bearer challenge (RFC 6750 section 3): every 401 carries one (RFC 9110
 * section 15.5.2), with an error code only when a Bearer credential was sent and refused. A request without
 * credentials (none, another scheme, no live session) is challenged with `Bearer` alone (RFC 6750 section 3.1).
 */
const refused = (message: string, error?: 'invalid_request' | 'invalid_token') =>
  new HTTPException(401, {
    res: Response.json(
      { error: { code: 'unauthorized', message } },
      { status: 401, headers: { 'WWW-Authenticate': error ? `Bearer error="${error}"` : 'Bearer' } },
    ),
  });

/**
 * The admin API's one guard: `Authorization: Bearer <ADMIN_TOKEN>` (compared
 * in constant time, as hashes), or a console session cookie plus its
 * `X-CSRF-Token` for changes. Sets `actor` for the audit log; admin answers
 * are never cached.
 */
export function requireAdmin(herald: Herald): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    c.header('Cache-Control', PRIVATE_CACHE);
    const authorization = c.req.header('authorization');
    try {
      if (authorization === undefined) c.set('actor', await sessionActor(herald, c));
      // Another scheme (Basic, a bare token) is no admin credential at all: 401, as for none.
      else if (!/^bearer /i.test(authorization)) throw new Unauthorized();
      else {
        const token = bearerToken(authorization);
        // A malformed header ("Bearer a b c") is no valid credential: 401 like a wrong token, not a 400.
        if (token === null) throw refused('The Authorization header must be "Bearer <token>".', 'invalid_request');
        if (!safeEqual(token, herald.adminToken)) throw refused('The admin token is not valid.', 'invalid_token');
        c.set('actor', 'admin-token');
      }
    } catch (err) {
      // No credentials (no header and no live session, or another scheme): the same JSON error, now with its challenge.
      if (err instanceof Unauthorized) throw refused(err.message);
      throw err;
    }
    await next();
    c.header('Cache-Control', PRIVATE_CACHE);
  };
}

/**
 * Whether a request carries admin credentials (the admin token, or a live
 * console session), checked before its body is read: only then does it get
 * the admin routes' larger body limits. The guards still decide what it may
 * do; the session found is kept on the context for them (one lookup).
 */
export async function carriesAdminCredentials<E extends { Variables: SessionVariables }>(herald: Herald, c: Context<E>): Promise<boolean> {
  const authorization = c.req.header('authorization');
  // As each guard decides: the admin API by its Authorization header when there is one (requireAdmin looks at
  // nothing else then), the console by its session alone (a proxy's Basic header on a console form changes nothing).
  if (authorization !== undefined && under(c.req.path, '/api/admin')) {
    const token = bearerToken(authorization);
    return token !== null && safeEqual(token, herald.adminToken);
  }
  return (await requestSession(herald, c)) !== null;
}
