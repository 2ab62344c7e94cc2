import type { Herald } from '../../herald.ts';
import { channelCreateSchema, channelPatchSchema } from '../../input/channels.ts';
import { createChannel, deleteChannel, editChannel, findChannel, setChannelState } from '../../domain/channels/manage.ts';
import type { Channel } from '../../domain/channels/model.ts';
import { validId } from '../../input/ids.ts';
import { formFields, refusal, validate, type FieldErrors } from '../forms.ts';

/** What the channels page shows after a post: a message, errors beside fields, the new webhook's secret (once), a test's answer. */
export interface ChannelsResult {
  status: number;
  flash?: string;
  errors?: FieldErrors;
  values?: Record<string, string | string[]>;
  secret?: { channel: string; secret: string };
}

const FIELDS = ['kind', 'name', 'url', 'components', 'min_impact'];
/** The actions on a channel that exists (all but create). */
const ON_A_CHANNEL = new Set(['edit', 'test', 'pause', 'resume', 'delete']);

/** Add, edit, test, pause, resume or delete a channel, from the channels page's forms (`action`). */
export async function channelsAction(herald: Herald, actor: string, form: FormData): Promise<ChannelsResult> {
  const f = formFields(form);
  const allowPrivate = herald.config.ALLOW_PRIVATE_WEBHOOKS;
  const components = form.getAll('components').filter((v): v is string => typeof v === 'string' && v !== '');
  const id = f.id ?? '';
  // An id no channel can have (a NUL, another control character) is nobody's: not looked up, and not
  // quoted back into the page, where the verb's message would echo it as it came.
  if (ON_A_CHANNEL.has(f.action ?? '') && !validId(id)) return { status: 404, errors: { form: 'No such channel.' } };
  try {
    switch (f.action) {
      case 'create': {
        const input = { kind: f.kind ?? '', name: f.name ?? '', url: f.url ?? '', components, min_impact: f.min_impact || null };
        const parsed = validate(channelCreateSchema(allowPrivate), input);
        if (!parsed.ok) return { status: 422, errors: parsed.errors, values: { ...input, min_impact: f.min_impact ?? '' } };
        let ch: Channel;
        try {
          ch = await herald.run(actor, (ctx) => createChannel(ctx, parsed.data));
        } catch (err) {
          // A component deleted while the form was filled in: the form keeps what was typed (the URL is a credential to fetch again).
          return { ...refusal(err, FIELDS), values: { ...input, min_impact: f.min_impact ?? '' } };
        }
        return {
          status: 201,
          flash: `Channel “${ch.name}” added. New incident and maintenance updates go to it from now on.`,
          ...(ch.secret ? { secret: { channel: ch.name, secret: ch.secret } } : {}),
        };
      }
      case 'edit': {
        const patch = { name: f.name, ...(f.url ? { url: f.url } : {}), components, min_impact: f.min_impact || null };
        const parsed = validate(channelPatchSchema(allowPrivate), patch);
        if (!parsed.ok) return { status: 422, errors: { form: Object.values(parsed.errors).join(' ') } };
        const ch = await herald.run(actor, (ctx) => editChannel(ctx, id, parsed.data));
        return { status: 200, flash: `Channel “${ch.name}” saved.` };
      }
      case 'test': {
        const ch = findChannel({ db: herald.store.data }, id);
        const r = await herald.channels.test(ch);
        return r.ok
          ? { status: 200, flash: `Test message delivered to “${ch.name}” (HTTP ${r.status}).` }
          : { status: 200, errors: { form: `The test message to “${ch.name}” was not delivered: ${r.error}` } };
      }
      case 'pause':
      case 'resume': {
        const ch = await herald.run(actor, (ctx) =>
          setChannelState(ctx, id, f.action === 'pause' ? 'paused' : 'active', f.action === 'pause' ? 'paused by hand' : null),
        );
        return {
          status: 200,
          flash: f.action === 'pause' ? `“${ch.name}” paused.` : `“${ch.name}” resumed: its waiting updates go out in order.`,
        };
      }
      case 'delete': {
        const ch = findChannel({ db: herald.store.data }, id);
        await herald.run(actor, (ctx) => deleteChannel(ctx, id));
        return { status: 200, flash: `Channel “${ch.name}” removed.` };
      }
      default:
        return { status: 400, errors: { form: 'Unknown action.' } };
    }
  } catch (err) {
    const r = refusal(err, FIELDS);
    return { status: r.status, errors: r.errors };
  }
}
