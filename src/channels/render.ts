import type { Db, IncidentUpdate, MaintenanceUpdate } from '../domain/model.ts';
import { findEvent } from '../domain/model.ts';
import type { Channel } from '../domain/channels/model.ts';
import { overallStatus } from '../domain/overall.ts';
import type { ChannelDelivery } from '../store/channels/ledger.ts';
import type { ChannelMessage } from './plan.ts';
import { postmortemFacts, warRoomFacts, type WarRoomFacts } from './facts.ts';
import { asOf } from '../domain/event-as-of.ts';
import { maintenanceFacts } from './maintenance-facts.ts';
import { plainMrkdwn, slackMessage } from './slack.ts';
import { adaptiveCardMessage, plainText, teamsMessage } from './teams.ts';
import { signatureHeaders, webhookPayload } from './webhook.ts';
import { webhookId } from '../domain/channels/webhook-id.ts';
import { signingSecrets } from '../domain/channels/manage.ts';
import { followedNames } from '../domain/components/following.ts';
import { joinNames } from '../domain/words.ts';

/** What a channel's messages say of the site. */
export interface Site {
  SITE_NAME: string;
  SITE_URL: string;
  SITE_TIMEZONE: string;
}

/**
 * The request a delivery posts, made from the data as it is now: a signed
 * Standard Webhooks payload, or a Slack or Teams message (an incident's
 * war-room message, or a maintenance update's). Null when the incident or
 * update is gone from the data, or when the delivery is not one Slack or
 * Teams gets (a component change).
 */
export async function renderPost(
  channel: Channel,
  d: ChannelDelivery,
  db: Db,
  site: Site,
  now: Date,
): Promise<{ body: string; headers: Record<string, string> } | null> {
  const event = findEvent(db, d.event);
  const update = event?.updates.find((u) => u.id === d.update);
  if (!event || !update) return null;
  const message: ChannelMessage = {
    key: d.id,
    channel,
    event,
    update,
    kind: d.kind,
    change: d.component ? update.affected_components.find((c) => c.code === d.component) : undefined,
  };
  if (channel.kind === 'webhook') {
    const body = JSON.stringify(webhookPayload(message, db, site, now));
    return { body, headers: await signatureHeaders(signingSecrets(channel, now), webhookId(d.id), body, now) };
  }
  const chat = (facts: WarRoomFacts) => ({
    body: JSON.stringify(channel.kind === 'slack' ? slackMessage(facts) : teamsMessage(facts)),
    headers: {},
  });
  if (d.kind === 'component') return null;
  if (d.kind === 'postmortem') {
    // Withdrawn since it was planned: the war room is not sent to a review that is no longer there.
    if (event.kind !== 'incident' || !event.postmortem?.published_at) return null;
    return chat(postmortemFacts(db, event, site, now));
  }
  if (event.kind === 'maintenance') return chat(maintenanceFacts(db, asOf(event, update, db.settings), update as MaintenanceUpdate, site));
  if (d.kind === 'maintenance') return null;
  return chat(warRoomFacts(db, asOf(event, update, db.settings), update as IncidentUpdate, d.kind, site, now));
}

/** The "test" button's message, in the channel's own format, sent outside the outbox. */
/**
 * What a channel will get, in words: its components and least impact, as its row in the console says them. "Incident
 * and maintenance updates" alone told a war room scoped to critical Database incidents it would hear of everything.
 */
export function scopeWords(channel: Pick<Channel, 'components' | 'min_impact'>, db: Pick<Db, 'components' | 'groups'>): string {
  const names = joinNames(followedNames(channel.components, db));
  const on = names ? ` on ${names} or naming no component` : '';
  const least = { minor: 'minor impact or worse', major: 'major impact or worse', critical: 'critical impact only' } as const;
  const impact = channel.min_impact === null ? '' : ` (incidents of ${least[channel.min_impact]})`;
  return `incident and maintenance updates${on}${impact}`;
}

export function testMessage(channel: Channel, db: Db, site: Site, now: Date) {
  const text = `Test message from ${site.SITE_NAME}: this channel (“${channel.name}”) will get ${scopeWords(channel, db)}.`;
  if (channel.kind === 'slack') {
    // Names are the admins' words, not mrkdwn: a "<!channel>" in one must not ping the war room.
    const mrkdwn = plainMrkdwn(text);
    return { text: mrkdwn, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: mrkdwn } }] };
  }
  if (channel.kind === 'teams') return adaptiveCardMessage({ body: [plainText(text)] });
  const overall = overallStatus(db);
  return {
    meta: { unsubscribe: null, documentation: `${site.SITE_URL.replace(/\/+$/, '')}/api/v2/summary.json`, generated_at: now.toISOString() },
    page: { id: db.page.id, status_indicator: overall.indicator, status_description: overall.description },
    test: { message: text },
  };
}
