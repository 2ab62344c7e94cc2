import type { Context, MiddlewareHandler } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import type { Herald } from '../../herald.ts';
import { PRIVATE_CACHE } from '../../http/security.ts';
import { sessionActor, sessionOf } from '../../auth/session-cookie.ts';
import { safeEqual } from '../../auth/safe-equal.ts';
import { Unauthorized } from '../../http/errors.ts';

export type AdminEnv = { Variables: { actor: string } };

const refused = (message: string) => ({ error: { code: 'unauthorized', message } });

/**
 * The admin API's one guard: `Authorization: Bearer <ADMIN_TOKEN>` (Hono's
 * bearer-auth: constant-time comparison of hashes), or a console session
 * cookie plus its `X-CSRF-Token` for changes. Sets `actor` for the audit log;
 * admin answers are never cached.
 */
export function requireAdmin(herald: Herald): MiddlewareHandler<AdminEnv> {
  const bearer = bearerAuth({
    token: herald.adminToken,
    invalidTokenMessage: refused('The admin token is not valid.'),
    // A malformed header ("Bearer a b c") is no valid credential: 401 like a wrong token, not bearer-auth's 400.
    invalidAuthenticationHeaderMessage: () => Response.json(refused('The Authorization header must be "Bearer <token>".'), { status: 401 }),
    noAuthenticationHeaderMessage: refused('A valid admin token or session is required.'),
  });
  return async (c, next) => {
    c.header('Cache-Control', PRIVATE_CACHE);
    const authorization = c.req.header('authorization');
    // Another scheme (Basic, a bare token) is no admin credential at all: 401, as for none.
    if (authorization !== undefined && !/^bearer /i.test(authorization)) throw new Unauthorized();
    if (authorization !== undefined) {
      await bearer(c as unknown as Context, async () => {
        c.set('actor', 'admin-token');
        await next();
      });
    } else {
      c.set('actor', await sessionActor(herald, c.req.raw));
      await next();
    }
    c.header('Cache-Control', PRIVATE_CACHE);
  };
}

/**
 * Whether a request carries admin credentials (the admin token, or a live
 * console session), checked before its body is read: only then does it get
 * the admin routes' larger body limits. The guards still decide what it may do.
 */
export async function carriesAdminCredentials(herald: Herald, request: Request): Promise<boolean> {
  const authorization = request.headers.get('authorization');
  // With an Authorization header, requireAdmin looks at nothing else.
  if (authorization !== null) {
    const bearer = /^bearer +(\S+) *$/i.exec(authorization);
    return bearer !== null && safeEqual(bearer[1]!, herald.adminToken);
  }
  return (await sessionOf(herald, request)) !== null;
}
