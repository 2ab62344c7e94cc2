import { closedBidi, headOf } from '../domain/text.ts';
import { authorWords } from '../domain/words.ts';
import { leadText } from '../render/markdown-text.ts';

/** Who wrote it, as this console user reads it: "you", "Lee", "the API", or "someone". */
export const whoWrote = (author: string, actor: string): string => (author === actor ? 'you' : (authorWords(author) ?? 'someone'));

/** `: “…”`, the opening of an update's text (200 characters at most), to quote in a refusal; empty when it has none. */
export function updateExcerpt(body: string): string {
  const lead = leadText(body);
  const said = headOf(lead, 200);
  // Closed: a right-to-left override in their text must not turn the message around.
  return said ? `: “${closedBidi(`${said}${said.length < lead.length ? '…' : ''}`)}”` : '';
}

/** The sentence with its full stop, unless a quote that ends its own sentence ends it: "“… error rates.”", not "“… error rates.”.". */
export const withStop = (sentence: string): string =>
  /[.!?…]”$/.test(sentence.replace(/[\u202a-\u202e\u2066-\u2069]/g, '')) ? sentence : `${sentence}.`;
