import type { Channel } from '../domain/channels/model.ts';
import type { Db } from '../domain/model.ts';
import { signatureHeaders } from './webhook.ts';
import { signingSecrets } from '../domain/channels/manage.ts';
import { type Site, testMessage } from './render.ts';
import { postJson, type PostOptions } from './outbound.ts';
import { verdictOf } from './verdict.ts';

/** The console's "test" button: one message in the channel's own format, posted now outside the outbox, and the receiver's answer. */
export async function postTestMessage(
  channel: Channel,
  db: Db,
  site: Site,
  now: Date,
  post: PostOptions,
): Promise<{ ok: boolean; status: number | null; error: string | null }> {
  const body = JSON.stringify(testMessage(channel, db, site, now));
  const headers =
    channel.kind === 'webhook' ? await signatureHeaders(signingSecrets(channel, now), `test_${now.getTime()}`, body, now) : {};
  try {
    const answer = await postJson(channel.url, body, headers, post);
    const v = verdictOf(answer, now);
    return { ok: v.outcome === 'sent', status: answer.status, error: v.outcome === 'sent' ? null : v.error };
  } catch (err) {
    return { ok: false, status: null, error: (err as Error).message };
  }
}
