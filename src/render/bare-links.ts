/**
 * Marks each link of a rendered Markdown fragment whose text is its own address (a URL pasted as it is, which
 * GFM makes a link; `www.…` and an email address too) with class "bare": printed, a link out of the site shows
 * its address after its text (src/styles/print.css), which such a link would show twice. The fragment is
 * sanitized output (markdown.ts): a link there is `<a href="…" …>`, its attributes and text escaped alike, and
 * a "<a" typed in the text is escaped, so the tags are found exactly.
 */
export function markBareLinks(html: string): string {
  return html.replace(/<a href="([^"]*)"([^>]*)>([^<]*)<\/a>/g, (link, href: string, rest: string, text: string) =>
    [href, href.replace(/^(https?:\/\/|mailto:|tel:)/i, '')].includes(text) ? `<a class="bare" href="${href}"${rest}>${text}</a>` : link,
  );
}
