import type { Context, MiddlewareHandler } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import type { Herald } from '../../herald.ts';
import { PRIVATE_CACHE } from '../../http/security.ts';
import { sessionActor } from '../../auth/session-cookie.ts';
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
    invalidAuthenticationHeaderMessage: refused('The Authorization header must be "Bearer <token>".'),
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
