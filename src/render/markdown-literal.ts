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
