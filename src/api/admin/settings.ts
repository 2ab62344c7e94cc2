import { Hono } from 'hono';
import type { Herald } from '../../herald.ts';
import type { AdminEnv } from './auth.ts';
import { readJson } from '../read-json.ts';
import { respondOnce } from '../idempotency.ts';
import { settingsInputSchema } from '../../input/schemas.ts';
import { updateSettings } from '../../domain/settings-update.ts';
import type { Settings } from '../../domain/settings.ts';
import { AlreadySaved, requireSettingsVersion, settingsVersion } from '../../read/settings-version.ts';
import { ifMatch, withETag } from '../if-match.ts';

const etag = (s: Settings) => `"${settingsVersion(s)}"`;

/**
 * `GET /settings` and `PUT /settings` (the whole document: audience, signoff, support_contact, severities).
 * GET's ETag, sent back as If-Match, makes the PUT refuse (412) if someone changed the settings since.
 */
export function settingsApi(herald: Herald) {
  const app = new Hono<AdminEnv>();
  app.get('/settings', (c) => {
    c.header('ETag', etag(herald.store.data.settings));
    return c.json(herald.store.data.settings);
  });
  app.put('/settings', async (c) => {
    const expected = ifMatch(c.req.header('if-match'), 'GET /api/admin/settings');
    const input = await readJson(c, settingsInputSchema);
    let res: Response;
    try {
      res = await respondOnce(c, herald, c.get('actor'), 200, (ctx) => {
        requireSettingsVersion(ctx.db.settings, expected, input, 'If-Match');
        return updateSettings(ctx, input);
      });
    } catch (err) {
      // A retried save whose change is already stored: its answer, not a 412 about its own save.
      if (!(err instanceof AlreadySaved)) throw err;
      res = c.json(err.settings, 200);
    }
    return withETag(res, etag);
  });
  return app;
}
