import { marked, type Tokens } from 'marked';

/**
 * The Summary section of a postmortem (templates/postmortem.md opens with it): the words its email quotes.
 * The email once restated the incident's root cause and prevention as told with the resolving update, which
 * the postmortem's own Root cause section may correct; quoting the postmortem itself, a reader never gets two
 * different accounts. Read by marked's lexer, so a `#` line inside a code block is no heading. Null when it
 * has no Summary heading, or nothing under it.
 */
export function summarySection(markdown: string): string | null {
  const tokens = marked.lexer(markdown);
  const start = tokens.findIndex((t) => t.type === 'heading' && /^summary$/i.test((t as Tokens.Heading).text.trim()));
  if (start < 0) return null;
  const depth = (tokens[start] as Tokens.Heading).depth;
  const section: string[] = [];
  // Up to the next heading of the same level or above (a subheading belongs to the summary).
  for (const t of tokens.slice(start + 1)) {
    if (t.type === 'heading' && (t as Tokens.Heading).depth <= depth) break;
    section.push(t.raw);
  }
  return section.join('').trim() || null;
}
