import type { MiddlewareHandler } from 'hono';
import type { Herald } from '../herald.ts';
import { Unauthorized } from '../domain/errors.ts';
import { safeEqual } from '../auth/admin-token.ts';
import { PRIVATE_CACHE } from './security.ts';
import { sessionActor } from '../console/api-session.ts';

export type AdminEnv = { Variables: { actor: string } };

/**
 * Guards every admin route: `Authorization: Bearer <ADMIN_TOKEN>`, compared in
 * constant time, or the console session cookie plus `X-CSRF-Token`. Sets `actor` for the audit log; admin answers are never cached.
 */
export function requireAdmin(herald: Herald): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (match) {
      if (!safeEqual(match[1]!, herald.adminToken)) throw new Unauthorized();
      c.set('actor', 'admin-token');
    } else {
      // The console's session cookie also works, with its CSRF token in a header.
      c.set('actor', sessionActor(herald, c.req.raw));
    }
    await next();
    c.header('Cache-Control', PRIVATE_CACHE);
  };
}
