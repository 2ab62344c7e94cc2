import type { VerbContext } from '../context.ts';
import { recordAudit } from '../audit.ts';
import { Conflict, NotFound, Invalid } from '../errors.ts';
import { randomId } from '../ids.ts';
import { redactUrl, type Channel, type ChannelKind, type ChannelMinImpact, type ChannelState } from './model.ts';
import { existingIds } from '../components/following.ts';
import { unknownComponent } from '../components/unknown.ts';

export interface ChannelInput {
  kind: ChannelKind;
  name: string;
  url: string;
  components?: string[];
  min_impact?: ChannelMinImpact | null;
}

export type ChannelPatch = Partial<Omit<ChannelInput, 'kind'>>;

/** A Standard Webhooks secret: `whsec_` and 24 random bytes in base64 (Web Crypto: no platform import). */
export function newWebhookSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}

/** How long a secret a rotation replaced still signs beside the new one: a day for receivers to switch. */
export const SECRET_OVERLAP_MS = 24 * 3_600_000;
/** The most replaced secrets that still sign (a double click rotates twice; each one a receiver may hold). */
const MAX_PREVIOUS_SECRETS = 3;

/**
 * A new signing secret for a webhook channel, which the caller shows once. Each secret it replaces still
 * signs beside it for SECRET_OVERLAP_MS from its replacement (Standard Webhooks: a signature header may
 * carry several), so a receiver switches without a delivery failing, whichever of them it holds: two
 * rotations an hour apart leave both earlier secrets signing, each for its own day, never longer.
 */
export function rotateSecret(ctx: VerbContext, id: string): Channel {
  const channel = findChannel(ctx, id);
  if (channel.kind !== 'webhook' || !channel.secret) {
    throw new Invalid('Only webhook channels are signed: a Slack or Teams URL is its own secret (edit the URL to change it).', 'kind');
  }
  const until = new Date(ctx.now.getTime() + SECRET_OVERLAP_MS).toISOString();
  channel.previous_secrets = [...retiring(channel, ctx.now), { secret: channel.secret, until }].slice(-MAX_PREVIOUS_SECRETS);
  channel.secret = newWebhookSecret();
  channel.updated_at = ctx.now.toISOString();
  recordAudit(ctx, 'channel.secret', id, { detail: { retiring_until: channel.previous_secrets.map((p) => p.until) } });
  return channel;
}

/** The replaced secrets that still sign at `now`, oldest first. */
export function retiring(channel: Pick<Channel, 'previous_secrets'>, now: Date): Array<{ secret: string; until: string }> {
  return (channel.previous_secrets ?? []).filter((p) => Date.parse(p.until) > now.getTime());
}

/** The secrets a webhook is signed with at `now`: its own, then those rotations replaced, newest first, while they still sign. */
export function signingSecrets(channel: Pick<Channel, 'secret' | 'previous_secrets'>, now: Date): string[] {
  const previous = retiring(channel, now)
    .map((p) => p.secret)
    .reverse();
  return channel.secret ? [channel.secret, ...previous] : previous;
}

const audited = (c: Channel) => ({
  kind: c.kind,
  name: c.name,
  url: redactUrl(c.url),
  components: c.components,
  min_impact: c.min_impact,
  state: c.state,
});

function checkComponents(ctx: VerbContext, ids: string[] | undefined): void {
  const known = existingIds(ctx.db);
  const unknown = ids?.find((id) => !known.has(id));
  if (unknown !== undefined) throw new Invalid(unknownComponent(ctx.db, unknown, false), 'components', 'unknown_component');
}

/**
 * A URL as compared between channels: the receiver a post reaches. Written another way, it is the same
 * one: a scheme's or host's case, a host's final dot, a default port, a `.` segment, an empty `?`, a
 * fragment (never sent), an unreserved character percent-encoded (RFC 3986 §6.2.2.2).
 */
const sameUrl = (url: string) => {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  const unescaped = (part: string) =>
    part.replace(/%([0-9A-Fa-f]{2})/g, (encoded, hex: string) => {
      const char = String.fromCharCode(Number.parseInt(hex, 16));
      return /[A-Za-z0-9\-._~]/.test(char) ? char : encoded.toUpperCase();
    });
  return `${u.protocol}//${u.host.replace(/\.(?=:|$)/, '')}${unescaped(u.pathname)}${unescaped(u.search)}`;
};

/** Whether two channels' scopes take in some incident alike: none chosen is every component. */
const overlap = (a: readonly string[], b: readonly string[]) => a.length === 0 || b.length === 0 || a.some((id) => b.includes(id));

/**
 * Two channels of one kind on one URL whose components overlap would post those messages twice to the same
 * war room or receiver. (On components apart, one room taking the API's incidents and another's is a setup of
 * its own.) The message names the other channel, never the URL (a credential).
 */
function checkUnique(ctx: VerbContext, kind: ChannelKind, url: string, components: readonly string[], self?: string): void {
  const href = sameUrl(url);
  const other = ctx.db.channels.find(
    (c) => c.id !== self && c.kind === kind && sameUrl(c.url) === href && overlap(c.components, components),
  );
  if (other) {
    throw new Conflict(
      `Channel “${other.name}” already posts to this URL for some of the same components: each of their messages would go there twice.`,
      'duplicate',
      'url',
    );
  }
}

export function findChannel(ctx: Pick<VerbContext, 'db'>, id: string): Channel {
  const channel = ctx.db.channels.find((c) => c.id === id);
  if (!channel) throw new NotFound(`No channel ${id}.`);
  return channel;
}

/** Adds a channel (active). Webhooks get a signing secret, which the caller shows once. */
export function createChannel(ctx: VerbContext, input: ChannelInput): Channel {
  checkComponents(ctx, input.components);
  checkUnique(ctx, input.kind, input.url, input.components ?? []);
  const now = ctx.now.toISOString();
  const channel: Channel = {
    id: `chn_${randomId()}`,
    kind: input.kind,
    name: input.name.trim(),
    url: input.url,
    components: [...new Set(input.components ?? [])],
    min_impact: input.min_impact ?? null,
    secret: input.kind === 'webhook' ? newWebhookSecret() : null,
    state: 'active',
    state_reason: null,
    state_at: null,
    created_at: now,
    updated_at: now,
  };
  ctx.db.channels.push(channel);
  // The URL and the secret are credentials: the audit keeps neither.
  recordAudit(ctx, 'channel.create', channel.id, { detail: audited(channel) });
  return channel;
}

export function editChannel(ctx: VerbContext, id: string, patch: ChannelPatch): Channel {
  const channel = findChannel(ctx, id);
  checkComponents(ctx, patch.components);
  // Only a new URL or scope: two channels that shared one before this check can still be renamed (the console's
  // form sends the scope as it is with every edit).
  const newUrl = patch.url !== undefined && sameUrl(patch.url) !== sameUrl(channel.url);
  const newScope =
    patch.components !== undefined &&
    (patch.components.length !== channel.components.length || patch.components.some((id) => !channel.components.includes(id)));
  if (newUrl || newScope) {
    checkUnique(ctx, channel.kind, patch.url ?? channel.url, patch.components ?? channel.components, id);
  }
  const previous = audited(channel);
  const addressChanged = patch.url !== undefined && patch.url !== channel.url;
  if (patch.name !== undefined) channel.name = patch.name.trim();
  if (patch.url !== undefined && patch.url !== channel.url) {
    channel.url = patch.url;
    // A new address is a fresh start: a channel disabled because the receiver refused the old one may work again.
    if (channel.state === 'disabled') setState(channel, 'active', null, ctx.now);
  }
  if (patch.components !== undefined) channel.components = [...new Set(patch.components)];
  if (patch.min_impact !== undefined) channel.min_impact = patch.min_impact;
  channel.updated_at = ctx.now.toISOString();
  // The address is never audited past its host (it often holds a secret), so a new path on the same host read as
  // an edit that changed nothing: said in so many words.
  recordAudit(ctx, 'channel.edit', id, { previous, detail: { ...audited(channel), ...(addressChanged ? { address_changed: true } : {}) } });
  return channel;
}

export function deleteChannel(ctx: VerbContext, id: string): void {
  const channel = findChannel(ctx, id);
  ctx.db.channels = ctx.db.channels.filter((c) => c.id !== id);
  // The answers kept for a retry of its creation or a rotation go too: they hold its signing secret, which README
  // says goes with the channel, and a retry was told (201, the secret) of a channel no longer there.
  ctx.db.idempotency = ctx.db.idempotency.filter((r) => (r.response as { id?: unknown } | null)?.id !== id);
  recordAudit(ctx, 'channel.delete', id, { previous: audited(channel) });
}

function setState(channel: Channel, state: ChannelState, reason: string | null, now: Date): void {
  channel.state = state;
  channel.state_reason = reason;
  channel.state_at = now.toISOString();
  channel.updated_at = now.toISOString();
}

/** Pauses or disables a channel (the sender's verdict, or the Comms Lead's), or resumes it. */
export function setChannelState(ctx: VerbContext, id: string, state: ChannelState, reason: string | null): Channel {
  const channel = findChannel(ctx, id);
  if (channel.state === state && channel.state_reason === reason) return channel;
  const previous = { state: channel.state, state_reason: channel.state_reason };
  setState(channel, state, reason, ctx.now);
  recordAudit(ctx, `channel.${state === 'active' ? 'resume' : state === 'paused' ? 'pause' : 'disable'}`, id, {
    previous,
    detail: { reason },
  });
  return channel;
}
