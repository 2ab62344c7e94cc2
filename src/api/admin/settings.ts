import { Hono } from 'hono';
import type { Herald } from '../../herald.ts';
import type { AdminEnv } from './auth.ts';
import { readJson } from '../read-json.ts';
import { respondOnce } from '../idempotency.ts';
import { settingsSchema } from '../../input/schemas.ts';
import { updateSettings } from '../../domain/settings-update.ts';

/** `GET /settings` and `PUT /settings` (the whole document: audience, signoff, support_contact, severities). */
export function settingsApi(herald: Herald) {
  const app = new Hono<AdminEnv>();
  app.get('/settings', (c) => c.json(herald.store.data.settings));
  app.put('/settings', async (c) => {
    const input = await readJson(c, settingsSchema);
    return respondOnce(c, herald, c.get('actor'), 200, (ctx) => updateSettings(ctx, input));
  });
  return app;
}
