import type { WarRoomFacts } from './facts.ts';
import { cut } from '../domain/text.ts';
import { chatFacts } from './chat-words.ts';

/** A Teams message carrying one Adaptive Card (schema 1.4): `card` gives its options, body and actions. */
export function adaptiveCardMessage<Card extends { body: unknown[] }>(card: Card) {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          ...card,
        },
      },
    ],
  };
}

/**
 * Text shown as it is. Teams reads a TextBlock's text and a FactSet's facts
 * as Markdown (a `_` in "api_gateway" can start italics, a `[x](url)` in a
 * name becomes a link); a RichTextBlock's TextRuns are never Markdown
 * (Adaptive Cards, "Text features"). Names, facts and update texts are
 * people's words, so every one goes in a TextRun.
 */
export const plainText = (text: string, run: { weight?: 'Bolder' } = {}) => ({
  type: 'RichTextBlock',
  inlines: [{ type: 'TextRun', text, ...run }],
});

/**
 * The title, in a TextBlock for its heading role, which Teams reads as Markdown: the severity's label is an
 * admin's words ("S[x](http://e)" became a link, "_P1_" italics), so each of Markdown's link and emphasis
 * characters is set between zero-width spaces, which keep it from opening or closing anything; it still shows.
 */
const inertTitle = (title: string) => title.replace(/[*_~`[\]]/g, (c) => `\u200b${c}\u200b`);

/** Under an incident's card: replies to a channel post make a thread there, which the war room never reads. */
const WAR_ROOM_HINT = {
  type: 'RichTextBlock',
  inlines: [{ type: 'TextRun', text: 'Reply in the war room, not in this thread', isSubtle: true, size: 'Small' }],
};

/** A fact as a row of two columns, weighted alike on every row so the rows line up as a FactSet's would. */
const factRow = (label: string, value: string) => ({
  type: 'ColumnSet',
  spacing: 'Small',
  columns: [
    { type: 'Column', width: 1, items: [plainText(label, { weight: 'Bolder' })] },
    { type: 'Column', width: 2, items: [plainText(value)] },
  ],
});

/**
 * Teams refuses a message over about 28 KB ("Message size limit" of its webhooks), counted in bytes: a
 * card stays under this many bytes of JSON, whatever the script of its text (a Japanese character is 3).
 */
export const TEAMS_CARD_BYTES = 24_000;
/**
 * A fact's value at most: as Slack's fields (2,000), shorter where long facts in a wide script would
 * leave the text too little room (a root cause and a resolution are 2,000 characters each at most).
 */
const FACT_CHARS = [2_000, 1_000, 500, 200] as const;
/** The room a card keeps for the update's text when its facts must be cut to make it. */
const TEXT_ROOM = 4_000;
const REST = '(the rest is on the status page)';

const jsonBytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

/**
 * A Microsoft Teams message for an incoming webhook or a Workflows webhook:
 * one Adaptive Card with the title, the facts as rows of two columns, the
 * update's text and a button to the status page. The text gets the room the
 * rest leaves under TEAMS_CARD_BYTES; cut, it says where the rest is.
 */
export function teamsMessage(given: WarRoomFacts) {
  const f = chatFacts(given);
  const card = (text: string, factChars: number) =>
    adaptiveCardMessage({
      msteams: { width: 'Full' },
      body: [
        // Herald's own words and the severity's label. (`style` is Adaptive Cards 1.5: older hosts ignore it.)
        { type: 'TextBlock', text: inertTitle(f.title), weight: 'Bolder', size: 'Large', wrap: true, style: 'heading' },
        plainText(f.name, { weight: 'Bolder' }),
        ...f.fields.map((x) => factRow(x.label, cut(x.value, factChars))),
        ...(text ? [plainText(text)] : []),
        // As Slack's context line says (runbook 003's declaration): the channel's post is no place for the response.
        ...(f.kind === 'maintenance' || f.kind === 'postmortem' ? [] : [WAR_ROOM_HINT]),
      ],
      actions: [{ type: 'Action.OpenUrl', title: f.kind === 'postmortem' ? 'Read the review' : 'Open the status page', url: f.url }],
    });
  const facts = FACT_CHARS.find((n) => jsonBytes(card(' ', n)) <= TEAMS_CARD_BYTES - TEXT_ROOM) ?? FACT_CHARS.at(-1)!;
  const whole = card(f.text, facts);
  if (jsonBytes(whole) <= TEAMS_CARD_BYTES) return whole;
  // The longest cut that fits: JSON escapes and multi-byte characters make bytes and length differ.
  const room = TEAMS_CARD_BYTES - jsonBytes(card(' ', facts));
  let [lo, hi] = [0, f.text.length];
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (jsonBytes(cut(f.text, mid, REST)) - 3 <= room) lo = mid;
    else hi = mid - 1;
  }
  return card(cut(f.text, lo, REST), facts);
}
