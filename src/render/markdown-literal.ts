/**
 * Text as Markdown that renders as that text: a component's name, an incident's title or a line of plain text
 * put into a Markdown template (an update's, a postmortem's). Without it "Billing <beta>" lost "<beta>" to the
 * sanitizer and "API *v2*" came out in italics, on the page, in the email and in the chat message alike.
 *
 * Only what could start markup in the middle of a line is escaped, so the text the Comms Lead edits stays
 * readable: an underscore inside a word ("search_eu") and an ampersand that starts no entity ("R&D") are left,
 * as Markdown reads them as themselves. Line-start markup (#, >, 1.) cannot occur: names and titles are one
 * line and are never put at a line's start.
 */
export function markdownLiteral(text: string): string {
  return text
    .replace(/[\\`*~[\]<]/g, '\\$&')
    .replace(/(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/gu, '\\_')
    .replace(/&(?=#?[\p{L}\p{N}]+;)/gu, '\\&');
}

/**
 * Text of several lines (a root cause, a resolution, a prevention as told with the resolution) as Markdown that
 * renders as that text, line for line, as the incident page's "What happened" box shows it: markdownLiteral on
 * each line, and what would start a block at a line's start escaped too (a heading's `#`, a quote's `>`, a list's
 * `-`, `+` or `1.`, a setext underline's `=`, a table's `|` or `:`); a line's leading spaces, which the box does
 * not show, are dropped rather than read as code. Blank lines stay, as paragraphs.
 */
export function markdownBlockLiteral(text: string): string {
  return text
    .split(/\r\n?|\n/)
    .map((line) =>
      markdownLiteral(line.replace(/^[ \t]+/, ''))
        .replace(/^[#>+=|:-]/, '\\$&')
        .replace(/^(\d+)([.)])/, '$1\\$2'),
    )
    .join('\n');
}
