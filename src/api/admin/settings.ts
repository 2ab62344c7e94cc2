import { Hono } from 'hono';
import type { Herald } from '../../herald.ts';
import type { AdminEnv } from './auth.ts';
import { readJson } from '../read-json.ts';
import { respondOnce } from '../idempotency.ts';
import { settingsInputSchema } from '../../input/schemas.ts';
import { updateSettings } from '../../domain/settings-update.ts';
import type { Settings } from '../../domain/settings.ts';
import { requireSettingsVersion, settingsVersion } from '../../read/settings-version.ts';
import { Invalid } from '../../domain/errors.ts';

const etag = (s: Settings) => `"${settingsVersion(s)}"`;

/**
 * If-Match as the versions it allows; `*` (any version) and no header both mean no check. A weak tag
 * (`W/"…"`, as a compressing proxy makes ours) counts as its strong self: the tag is a hash of the content.
 */
function ifMatch(header: string | undefined): string[] | undefined {
  const v = header?.trim();
  if (v === undefined || v === '*') return undefined;
  const tags = v.split(',').map((t) => /^(?:W\/)?"([\x21\x23-\x7e]{1,64})"$/.exec(t.trim())?.[1]);
  if (tags.some((t) => t === undefined))
    throw new Invalid('If-Match must be the ETag of GET /api/admin/settings, in its quotes.', 'If-Match');
  return tags as string[];
}

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
    const expected = ifMatch(c.req.header('if-match'));
    const input = await readJson(c, settingsInputSchema);
    const res = await respondOnce(c, herald, c.get('actor'), 200, (ctx) => {
      requireSettingsVersion(ctx.db.settings, expected, 'If-Match');
      return updateSettings(ctx, input);
    });
    res.headers.set('ETag', etag((await res.clone().json()) as Settings));
    return res;
  });
  return app;
}
