import type { WarRoomFacts } from './facts.ts';

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
 * A Microsoft Teams message for an incoming webhook or a Workflows webhook:
 * one Adaptive Card with the title, the facts as a FactSet, the update's
 * text and a button to the status page.
 */
export function teamsMessage(f: WarRoomFacts) {
  return adaptiveCardMessage({
    msteams: { width: 'Full' },
    body: [
      { type: 'TextBlock', text: f.title, weight: 'Bolder', size: 'Large', wrap: true, style: 'heading' },
      { type: 'TextBlock', text: f.name, weight: 'Bolder', wrap: true },
      { type: 'FactSet', facts: f.fields.map((x) => ({ title: x.label, value: x.value })) },
      ...(f.text ? [{ type: 'TextBlock', text: f.text.slice(0, 4000), wrap: true }] : []),
    ],
    actions: [{ type: 'Action.OpenUrl', title: 'Open the status page', url: f.url }],
  });
}
