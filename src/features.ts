import type { Hono } from 'hono';
import type { Herald } from './herald.ts';
import { consoleGuard } from './console/hono-guard.ts';

/**
 * Sub-apps mounted under /api by features beyond the core (public JSON,
 * subscribers, integrations). Each feature adds its line here.
 */
export function publicFeatures(herald: Herald): Array<{ path: string; app: Hono<any> }> {
  return [
    // The Comms Lead console's cross-site guard, in front of the /admin pages.
    { path: '/admin', app: consoleGuard(herald) },
  ];
}
