import { marked, type Tokens } from 'marked';

/**
 * The Summary section of a postmortem (templates/postmortem.md opens with it): the words its email quotes.
 * The email once restated the incident's root cause and prevention as told with the resolving update, which
 * the postmortem's own Root cause section may correct; quoting the postmortem itself, a reader never gets two
 * different accounts. Read by marked's lexer, so a `#` line inside a code block is no heading. The document's
 * link definitions follow it, so that its reference-style links still link. Null when it has no Summary heading,
 * or nothing under it.
 */
export function summarySection(markdown: string): string | null {
  const tokens = marked.lexer(markdown);
  const start = tokens.findIndex((t) => t.type === 'heading' && /^summary$/i.test((t as Tokens.Heading).text.trim()));
  if (start < 0) return null;
  const depth = (tokens[start] as Tokens.Heading).depth;
  // Up to the next heading of the same level or above (a subheading belongs to the summary).
  let end = tokens.findIndex((t, i) => i > start && t.type === 'heading' && (t as Tokens.Heading).depth <= depth);
  if (end < 0) end = tokens.length;
  const text = tokens
    .slice(start + 1, end)
    .map((t) => t.raw)
    .join('')
    .trim();
  if (!text) return null;
  // A reference-style link ("the [verification guide][guide]") is defined anywhere in the document, mostly at its
  // end: the section alone quoted it literally. The document's definitions go with it (a definition shows nothing).
  const defined = tokens.filter((t, i) => t.type === 'def' && (i < start || i >= end)).map((t) => t.raw.trim());
  return defined.length ? `${text}\n\n${defined.join('\n')}` : text;
}
