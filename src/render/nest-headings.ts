/**
 * Sets the headings of a rendered Markdown fragment under a heading of `level`: its highest heading becomes
 * level + 1 and the others keep their steps below it (capped at h6). An update's body is rendered once, but
 * shown under an incident's h1 on its page, an h3 on the status page and a section's h2 on the console, so
 * a fixed level broke the outline somewhere: a screen reader listing headings read "## Rollback" on the
 * status page as another incident. The fragment is sanitized output (markdown.ts): a heading tag there has
 * no attributes, and a "<h3>" typed in the text is escaped, so the tags are found exactly.
 */
export function nestHeadings(html: string, level: number): string {
  const levels = [...html.matchAll(/<h([1-6])>/g)].map((m) => Number(m[1]));
  if (levels.length === 0) return html;
  const shift = level + 1 - Math.min(...levels);
  return html.replace(/<(\/?)h([1-6])>/g, (_, close: string, n: string) => `<${close}h${Math.min(6, Number(n) + shift)}>`);
}
