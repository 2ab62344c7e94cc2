import type { Herald } from '../../herald.ts';
import type { Session } from '../../auth/sessions.ts';
import { channelCreateSchema, channelPatchSchema } from '../../input/channels.ts';
import { createChannel, deleteChannel, editChannel, findChannel, rotateSecret, setChannelState } from '../../domain/channels/manage.ts';
import { when } from '../format.ts';
import { PAUSED_BY_HAND, type Channel } from '../../domain/channels/model.ts';
import { validId } from '../../input/ids.ts';
import { formFields, refusal, validate, type FieldErrors } from '../forms.ts';
import { formKeyOf, type MadeOnce, makeOnce, newFormKey, onceKeyOf } from '../form-once.ts';
import { nowReads, onlyOwn, ownChanges, shownAgain } from '../own-changes.ts';

/** What the channels page shows after a post: a message, errors beside fields, the new webhook's secret (once), a test's answer. */
export interface ChannelsResult {
  status: number;
  flash?: string;
  errors?: FieldErrors;
  values?: Record<string, string | string[]>;
  /** The channel whose edit form `errors` and `values` belong to (none: the add form's). */
  editing?: string;
  secret?: { channel: string; secret: string };
  /** Remove asked for, not yet confirmed: the page asks first, naming the channel. */
  question?: RemoveQuestion;
}

/** What the page says before removing a channel: its URL (a credential) and a webhook's secret go with it. */
export interface RemoveQuestion {
  id: string;
  name: string;
  kind: Channel['kind'];
  /** Updates queued for it, which are not sent once it is removed. */
  waiting: number;
}

const FIELDS = ['kind', 'name', 'url', 'components', 'min_impact'];
/** What a channel's edit form shows of it and posts back as `shown_*` (its URL is a credential: never shown). */
const EDIT_FIELDS = ['name', 'components', 'min_impact'] as const;

/** Chosen component ids as one comparable string. */
const chosenText = (ids: readonly string[]): string => [...ids].sort().join(',');

/**
 * A channel's edit form's fields as its page shows them (ownChanges compares them as strings): its components
 * among those that exist, the ones its boxes can show (a deleted one it still names has no box).
 */
export const channelAsShown = (ch: Channel, components: ReadonlyArray<{ id: string }>): Record<(typeof EDIT_FIELDS)[number], string> => ({
  name: ch.name,
  components: chosenText(ch.components.filter((id) => components.some((c) => c.id === id))),
  min_impact: ch.min_impact ?? '',
});

/** What a field changed by someone else now holds, in the form's words. */
const sayChannel =
  (all: ReadonlyArray<{ id: string; name: string }>) =>
  (field: (typeof EDIT_FIELDS)[number], value: string): string => {
    if (field === 'components') {
      const names = value ? value.split(',').map((id) => all.find((c) => c.id === id)?.name ?? id) : [];
      return names.length ? `now takes ${names.join(', ')}` : 'now takes every incident';
    }
    if (field === 'min_impact') {
      if (!value) return 'now takes every incident';
      // Nothing is worse than critical.
      return value === 'critical' ? 'now takes critical incidents only' : `now takes ${value} incidents and worse`;
    }
    return nowReads(field, value);
  };

/** The actions on a channel that exists (all but create). */
const ON_A_CHANNEL = new Set(['edit', 'test', 'pause', 'resume', 'delete', 'rotate']);
/**
 * How long a repeat of the add form shows the webhook's secret again. A double click's browser
 * shows only the second answer, so a repeat that hid it would lose a secret shown nowhere else;
 * the repeat is this session's own (the form key is bound to it) and the secret is read from the
 * channel, never kept with the form's record. Past a few minutes a repeat is no retry: the secret
 * stays unshown, as it is to anyone coming back later.
 */
const SECRET_AGAIN_MS = 10 * 60_000;

/** Add, edit, test, pause, resume, delete a channel or give a webhook a new secret, from the channels page's forms (`action`). */
export async function channelsAction(herald: Herald, session: Session, form: FormData): Promise<ChannelsResult> {
  const actor = session.actor;
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
        // Shown again after an error with the form's key, so a repeat of the corrected form still adds one channel.
        const values = { ...input, min_impact: f.min_impact ?? '', once: formKeyOf(form) ?? newFormKey() };
        const parsed = validate(channelCreateSchema(allowPrivate), input);
        if (!parsed.ok) return { status: 422, errors: parsed.errors, values };
        let made: MadeOnce<Channel, { id: string; name: string }>;
        try {
          made = await makeOnce(
            herald,
            actor,
            onceKeyOf('channel', session.key, form),
            (ctx) => createChannel(ctx, parsed.data),
            (ch) => ({ id: ch.id, name: ch.name }),
          );
        } catch (err) {
          // A component deleted while the form was filled in: the form keeps what was typed (the URL is a credential to fetch again).
          return { ...refusal(err, FIELDS), values };
        }
        if ('earlier' in made) return addedBefore(herald, made.earlier, Date.parse(made.at));
        const ch = made.made;
        return {
          status: 201,
          flash: `Channel “${ch.name}” added. New incident and maintenance updates go to it from now on.`,
          ...(ch.secret ? { secret: { channel: ch.name, secret: ch.secret } } : {}),
        };
      }
      case 'edit': {
        // No URL typed keeps the current one: the page cannot show it (a credential), only its host.
        const patch = { name: f.name ?? '', ...(f.url ? { url: f.url } : {}), components, min_impact: f.min_impact || null };
        const stored = herald.store.data.channels.find((c) => c.id === id);
        const shownNow = stored && channelAsShown(stored, herald.store.data.components);
        const values = {
          name: patch.name,
          url: f.url ?? '',
          components,
          min_impact: f.min_impact ?? '',
          ...shownAgain(EDIT_FIELDS, f, shownNow),
        };
        const parsed = validate(channelPatchSchema(allowPrivate), patch);
        if (!parsed.ok) return { status: 422, errors: parsed.errors, values, editing: id };
        const before = herald.store.data.channels.find((c) => c.id === id);
        const wasState = before?.state;
        const oldUrl = before?.url;
        let ch: Channel;
        try {
          ch = await herald.run(actor, (ctx) => {
            // Only what was changed in the form: someone else's change to another field since the page was drawn stays.
            const now = ctx.db.channels.find((c) => c.id === id);
            const { url, ...fields } = parsed.data;
            const typed = { name: patch.name, components: chosenText(components), min_impact: f.min_impact ?? '' };
            const mine = now
              ? ownChanges(EDIT_FIELDS, f, typed, channelAsShown(now, ctx.db.components), sayChannel(ctx.db.components))
              : null;
            // Components changed here are the ones ticked: a deleted one the channel named goes (the API refuses it).
            return editChannel(ctx, id, { ...onlyOwn(fields, mine), ...(url ? { url } : {}) });
          });
        } catch (err) {
          // Refused for someone else's change to a field: the page shows that field's value now as its starting point.
          const now = herald.store.data.channels.find((c) => c.id === id);
          return {
            ...refusal(err, FIELDS),
            values: { ...values, ...shownAgain(EDIT_FIELDS, f, now && channelAsShown(now, herald.store.data.components), err) },
            editing: id,
          };
        }
        return { status: 200, flash: edited(ch, wasState, oldUrl !== ch.url, herald.channels.status(id).queued) };
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
          setChannelState(ctx, id, f.action === 'pause' ? 'paused' : 'active', f.action === 'pause' ? PAUSED_BY_HAND : null),
        );
        return {
          status: 200,
          flash: f.action === 'pause' ? `“${ch.name}” paused.` : `“${ch.name}” resumed: its waiting updates go out in order.`,
        };
      }
      case 'rotate': {
        const ch = await herald.run(actor, (ctx) => rotateSecret(ctx, id));
        return {
          status: 200,
          flash: `New signing secret for “${ch.name}”. The old one still signs beside it until ${when(ch.previous_secrets!.at(-1)!.until, herald.config.SITE_TIMEZONE)}: give the receiver the new one before then.`,
          secret: { channel: ch.name, secret: ch.secret! },
        };
      }
      case 'delete': {
        if (f.confirm !== '1') {
          // One keypress on Remove only asks: the URL would have to be fetched again from Slack, Teams or the partner.
          const ch = findChannel({ db: herald.store.data }, id);
          return { status: 200, question: { id, name: ch.name, kind: ch.kind, waiting: herald.channels.status(id).queued } };
        }
        const ch = herald.store.data.channels.find((c) => c.id === id);
        // The confirmation posted again (a double click, whose browser shows only the second answer): gone, as asked.
        if (!ch) return { status: 200, flash: 'Channel removed.' };
        await herald.run(actor, (ctx) => {
          if (ctx.db.channels.some((c) => c.id === id)) deleteChannel(ctx, id);
        });
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

/** The answer to the add form posted again: what the first post said, the secret only while a repeat is a retry. */
function addedBefore(herald: Herald, earlier: { id: string; name: string }, at: number): ChannelsResult {
  const ch = herald.store.data.channels.find((c) => c.id === earlier.id);
  if (!ch) return { status: 200, flash: `Channel “${earlier.name}” was added by this form already, and has been removed since.` };
  const secret = ch.secret && herald.now().getTime() - at < SECRET_AGAIN_MS ? { secret: { channel: ch.name, secret: ch.secret } } : {};
  return {
    status: 201,
    flash: `Channel “${ch.name}” added. New incident and maintenance updates go to it from now on.`,
    ...secret,
  };
}

/**
 * What an edit did, as the API's PATCH does it (editChannel): a new URL is where every waiting update
 * goes; it gives a channel disabled for a refused URL a fresh start, but a paused one stays paused until resumed.
 */
function edited(ch: Channel, wasState: Channel['state'] | undefined, newUrl: boolean, waiting: number): string {
  const saved = `Channel “${ch.name}” saved.`;
  if (!newUrl) return saved;
  const them = waiting === 1 ? 'the update waiting for it' : `the ${waiting} updates waiting for it`;
  if (ch.state === 'paused') return `${saved} It is still paused: Resume sends ${waiting > 0 ? them : 'new updates'} to the new URL.`;
  if (wasState === 'disabled')
    return `${saved} With its new URL it is active again${waiting > 0 ? `: ${them} ${waiting === 1 ? 'goes' : 'go'} out now, in order` : ''}.`;
  return `${saved} ${waiting > 0 ? `New updates, and ${them}, go` : 'New updates go'} to the new URL.`;
}
