import { Hono } from 'hono';
import type { Herald } from '../../herald.ts';
import { requireAdmin, type AdminEnv } from './auth.ts';
import { componentsApi } from './components.ts';
import { incidentsApi } from './incidents.ts';
import { maintenanceApi } from './maintenance.ts';
import { previewApi } from './preview.ts';
import { subscribersApi } from './subscribers.ts';
import { deliveriesApi } from './deliveries.ts';
import { auditApi } from './audit.ts';
import { dashboardApi } from './dashboard.ts';
import { settingsApi } from './settings.ts';
import { channelsApi } from './channels.ts';

/**
 * Every admin JSON route, under one guard set once (docs/design.md "Admin
 * JSON"). The routers below add no guard of their own: whatever is mounted
 * here is behind `requireAdmin`, and nothing admin is mounted anywhere else.
 */
export function adminApi(herald: Herald) {
  const app = new Hono<AdminEnv>();
  app.use('*', requireAdmin(herald));
  app.route('/', componentsApi(herald));
  app.route('/', incidentsApi(herald));
  app.route('/', maintenanceApi(herald));
  app.route('/', previewApi(herald));
  app.route('/', subscribersApi(herald));
  app.route('/', deliveriesApi(herald));
  app.route('/', auditApi(herald));
  app.route('/', dashboardApi(herald));
  app.route('/', settingsApi(herald));
  app.route('/', channelsApi(herald));
  return app;
}
