import { Hono } from 'hono';
import type { Herald } from '../../herald.ts';
import type { AdminEnv } from './auth.ts';
import { readJson } from '../read-json.ts';
import { respondOnce } from '../idempotency.ts';
import { settingsInputSchema } from '../../input/schemas.ts';
import { updateSettings } from '../../domain/settings-update.ts';
import type { Settings } from '../../domain/settings.ts';
import { AlreadySaved, requireSettingsVersion, settingsVersion } from '../../read/settings-version.ts';
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
    // A new answer rather than a header set on this one: over HTTP (@hono/node-server) a header set on a
    // Response already made was not sent, so a PUT's answer came without its ETag.
    const saved = (await res.json()) as Settings;
    const headers = new Headers(res.headers);
    headers.set('ETag', etag(saved));
    return new Response(JSON.stringify(saved), { status: res.status, headers });
  });
  return app;
}
