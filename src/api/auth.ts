import type { MiddlewareHandler } from 'hono';
import type { Herald } from '../herald.ts';
import { Unauthorized } from '../domain/errors.ts';
import { safeEqual } from '../auth/admin-token.ts';
import { PRIVATE_CACHE } from './security.ts';

export type AdminEnv = { Variables: { actor: string } };

/**
 * Guards every admin route: `Authorization: Bearer <ADMIN_TOKEN>`, compared in
 * constant time. Sets `actor` for the audit log; admin answers are never cached.
 */
export function requireAdmin(herald: Herald): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match || !safeEqual(match[1]!, herald.adminToken)) throw new Unauthorized();
    c.set('actor', 'admin-token');
    await next();
    c.header('Cache-Control', PRIVATE_CACHE);
  };
}
