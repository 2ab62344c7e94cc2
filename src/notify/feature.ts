import type { Hono } from 'hono';
import type { Herald } from '../herald.ts';
import { openNotify } from './service.ts';
import { subscribeApi, unsubscribeApp } from '../api/subscribers.ts';
import { adminSubscribersApi } from '../api/admin-subscribers.ts';

/**
 * Starts email (subscriber book, outbox worker; stopped by herald.close) and
 * returns its HTTP mounts for src/features.ts.
 */
export function notifyFeature(herald: Herald): Array<{ path: string; app: Hono<any> }> {
  const notify = openNotify(herald);
  return [
    { path: '/api', app: subscribeApi(herald, notify) },
    { path: '/api/admin', app: adminSubscribersApi(herald, notify) },
    { path: '/', app: unsubscribeApp(herald, notify) },
  ];
}
