import { withoutBidi } from '../domain/text.ts';
import type { WarRoomFacts } from './facts.ts';

/**
 * The facts as a Slack or Teams message may show them: with no bidirectional override, embedding or isolate
 * (an update's text may hold one, kept for the page; in a message it would turn around the facts, labels and
 * links after it, and a cut can leave one open). Names refuse them already; what comes from data stored
 * before that rule loses them too.
 */
export function chatFacts(f: WarRoomFacts): WarRoomFacts {
  return {
    ...f,
    title: withoutBidi(f.title),
    name: withoutBidi(f.name),
    status: withoutBidi(f.status),
    text: withoutBidi(f.text),
    fields: f.fields.map((x) => ({ label: withoutBidi(x.label), value: withoutBidi(x.value) })),
  };
}
