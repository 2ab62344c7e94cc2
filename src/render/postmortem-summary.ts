/**
 * The Summary section of a postmortem (templates/postmortem.md opens with it): the words its email quotes.
 * The email once restated the incident's root cause and prevention as told with the resolving update, which
 * the postmortem's own Root cause section may correct; quoting the postmortem itself, a reader never gets two
 * different accounts. Null when it has no Summary heading, or nothing under it.
 */
export function summarySection(markdown: string): string | null {
  const lines = markdown.split(/\r?\n/);
  const start = lines.findIndex((l) => /^#{1,6}\s+summary\s*#*\s*$/i.test(l));
  if (start < 0) return null;
  const level = /^#+/.exec(lines[start]!)![0].length;
  const rest = lines.slice(start + 1);
  // Up to the next heading of the same level or above (a subheading belongs to the summary).
  const end = rest.findIndex((l) => {
    const h = /^(#{1,6})\s/.exec(l);
    return h !== null && h[1]!.length <= level;
  });
  const text = (end < 0 ? rest : rest.slice(0, end)).join('\n').trim();
  return text || null;
}
