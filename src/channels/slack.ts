import type { WarRoomFacts } from './facts.ts';
import { cut } from '../domain/text.ts';
import { chatFacts } from './chat-words.ts';

/**
 * A Slack incoming-webhook message in Block Kit (an incident's or a maintenance window's): a header, the facts as
 * section fields, the update's text, a link to the status page, and `text`
 * as the fallback notifications show. Slack's limits are kept: header 150
 * characters, a section's text 3,000, a field 2,000, 10 fields a section.
 */
const LIMIT = { header: 150, section: 3000, field: 2000, fields: 10 } as const;

/** Slack's mrkdwn treats &, < and > as control characters. */
export const escapeMrkdwn = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const ZWSP = '\u200b';
/**
 * Left whole: a web address as Slack links it, and an emoji shortcode (`:rotating_light:`), each broken by a
 * zero-width space in it (the link, or the emoji shown as its text).
 */
// A channel or a person's handle ("#inc_queue_backlog", "@dana_smith") too: an underscore inside a word starts no
// format in Slack, and one set between zero-width spaces broke the war room's name for a responder copying it.
const KEPT_WHOLE = /(https?:\/\/[^\s]+|:[a-z0-9_+'-]+:|(?<![\w#@])[#@][A-Za-z0-9][\w.-]*)/;

/**
 * People's words (a name, a commander, an update's plain text) as mrkdwn that shows them as typed. Slack
 * has no escape for its formatting characters (its formatting reference escapes only &, < and >; `verbatim`
 * stops links and mentions, not bold): "*urgent* fix_for_api_gw" would show bold, and an underscore pair
 * italics. Each *, _, ~ and ` is set between zero-width spaces, which keep Slack from taking it for the start
 * or end of a format, and a > opening a line (a quote) gets one before it; each still shows as itself.
 */
export const plainMrkdwn = (s: string): string =>
  s
    .split(KEPT_WHOLE)
    .map((part, i) =>
      i % 2 === 1
        ? escapeMrkdwn(part)
        : escapeMrkdwn(part)
            .replace(/[*_~`]/g, (c) => `${ZWSP}${c}${ZWSP}`)
            .replace(/^&gt;/gm, `${ZWSP}&gt;`),
    )
    .join('');

/**
 * `cut` for escaped mrkdwn: a cut inside "&lt;" would leave "&l", which Slack shows as it is, so the cut goes
 * before that entity instead (every & in escaped text starts one).
 */
function cutMrkdwn(text: string, max: number, more = ''): string {
  const out = cut(text, max, more);
  if (out === text) return out;
  const tail = `…${more ? ` ${more}` : ''}`;
  return out.slice(0, -tail.length).replace(/&[a-z]{0,3}$/, '') + tail;
}

export function slackMessage(facts: WarRoomFacts) {
  const f = chatFacts(facts);
  const postmortem = f.kind === 'postmortem';
  const link = `<${f.url}|${postmortem ? 'Read the review on the status page' : 'Read more on the status page'}>`;
  const maintenance = f.kind === 'maintenance';
  const fields = [{ label: maintenance ? 'Maintenance' : 'Incident', value: f.name }, ...f.fields].slice(0, LIMIT.fields).map((x) => ({
    type: 'mrkdwn' as const,
    text: cutMrkdwn(`*${escapeMrkdwn(x.label)}*\n${plainMrkdwn(x.value)}`, LIMIT.field),
  }));
  return {
    text: cutMrkdwn(plainMrkdwn(`${f.title}: ${f.name} (${f.status})`), LIMIT.section),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: cut(f.title, LIMIT.header), emoji: true } },
      { type: 'section', fields },
      ...(f.text
        ? [
            {
              type: 'section',
              text: {
                type: 'mrkdwn',
                text: cutMrkdwn(`*${f.kind === 'update' ? 'Current actions' : 'Update'}*\n${plainMrkdwn(f.text)}`, LIMIT.section, link),
              },
            },
          ]
        : []),
      // A window gathers no war room, and a review comes after it closed: their messages have nowhere else to point.
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: maintenance || postmortem ? link : `${link} · Reply in the war room, not in this thread` }],
      },
    ],
  };
}
