import type { Hono } from 'hono';
import type { Herald } from './herald.ts';
import { consoleGuard } from './console/hono-guard.ts';
import { adminPreviewApi } from './api/admin-preview.ts';
import { statuspageApi } from './api/v2.ts';
import { bannerApi } from './api/banner.ts';
import { feedsApp } from './feeds/routes.ts';
import { maintenanceAdminApi } from './api/admin-maintenance.ts';
import { startMaintenanceScheduler } from './maintenance/scheduler.ts';
import { notifyFeature } from './notify/feature.ts';

/**
 * The features beyond the core (console guard, integrations, maintenance,
 * email): the sub-apps they mount, in order, and the background workers they
 * start (the maintenance timer, the outbox), which stop with `herald.close()`.
 * Each feature adds its lines here.
 */
export function features(herald: Herald): Array<{ path: string; app: Hono<any> }> {
  startMaintenanceScheduler(herald, { reminderMinutes: herald.config.MAINTENANCE_REMINDER_MINUTES });
  return [
    // The Comms Lead console's cross-site guard, in front of the /admin pages.
    { path: '/admin', app: consoleGuard(herald) },
    // POST /api/admin/preview: what a declare or update would publish (the console's dry run, as JSON).
    { path: '/api/admin', app: adminPreviewApi(herald) },
    // Open integrations: Statuspage-compatible v2 API, in-app banner, feeds and calendar.
    { path: '/api/v2', app: statuspageApi(herald) },
    { path: '/api', app: bannerApi(herald) },
    { path: '/', app: feedsApp(herald) },
    // Scheduled maintenance and postmortems (admin); the timer that moves windows on time.
    { path: '/api/admin', app: maintenanceAdminApi(herald) },
    // Email: subscribe API, one-click unsubscribe, admin subscribers/deliveries; starts the outbox worker.
    ...notifyFeature(herald),
  ];
}
