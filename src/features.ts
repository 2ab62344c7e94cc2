import type { Hono } from 'hono';
import type { Herald } from './herald.ts';

/**
 * Sub-apps mounted under /api by features beyond the core (public JSON,
 * subscribers, integrations). Each feature adds its line here.
 */
export function publicFeatures(herald: Herald): Array<{ path: string; app: Hono<any> }> {
  void herald;
  return [];
}
