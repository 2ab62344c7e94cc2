import { z } from 'zod';
import { IMPACT_LABEL } from '../status.ts';

/**
 * Channels: where incident updates go besides the page, email and the banner.
 * Slack and Microsoft Teams incoming webhooks carry them to a war room; plain
 * webhooks carry Statuspage-shaped JSON, signed as Standard Webhooks says, to
 * partners' systems. A channel's URL is a secret in its own right (anyone with
 * a Slack webhook URL can post to that channel), so outputs show it redacted.
 */
export const CHANNEL_KINDS = ['slack', 'teams', 'webhook'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** The least impact an incident needs to reach a channel. */
export const CHANNEL_MIN_IMPACTS = ['minor', 'major', 'critical'] as const;
export type ChannelMinImpact = (typeof CHANNEL_MIN_IMPACTS)[number];

/** A least impact as the console offers it: "Major and worse"; nothing is worse than critical. */
export const minImpactText = (impact: ChannelMinImpact): string =>
  impact === 'critical' ? 'Critical only' : `${IMPACT_LABEL[impact]} and worse`;

/**
 * active: deliveries go out. paused: 10 failures in a row (or by hand); its
 * deliveries wait for a resume. disabled: the receiver refused the URL (a
 * redirect, 401, 403, 404 or 410; channels/verdict.ts); its deliveries wait too,
 * for a new URL or a resume once it is fixed at the receiver.
 */
export const CHANNEL_STATES = ['active', 'paused', 'disabled'] as const;
export type ChannelState = (typeof CHANNEL_STATES)[number];

const isoDate = z.iso.datetime({ offset: true });

export const channelSchema = z.object({
  id: z.string().min(1),
  kind: z.enum(CHANNEL_KINDS),
  name: z.string().min(1),
  url: z.string().min(1),
  /** Component ids; empty: every incident. */
  components: z.array(z.string()),
  /** Null: every impact, "none" included. */
  min_impact: z.enum(CHANNEL_MIN_IMPACTS).nullable(),
  /** Webhooks: the Standard Webhooks signing secret (`whsec_` + base64). Shown once, when created. */
  secret: z.string().nullable(),
  /**
   * Webhooks: the secrets rotations replaced, each still signing beside the new one until its `until`
   * (domain/channels/manage.ts rotateSecret), oldest first. Absent in data from before rotations.
   */
  previous_secrets: z.array(z.object({ secret: z.string(), until: isoDate })).optional(),
  state: z.enum(CHANNEL_STATES),
  /** Why it is paused or disabled (the receiver's last answer). */
  state_reason: z.string().nullable(),
  state_at: isoDate.nullable(),
  created_at: isoDate,
  updated_at: isoDate,
});
export type Channel = z.infer<typeof channelSchema>;

/** "https://hooks.slack.com/…": enough to recognise a channel, never enough to post to it. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '…';
  }
}

/** The reason a pause from the console or the API records (the sender records its failures instead). */
export const PAUSED_BY_HAND = 'paused by hand';
