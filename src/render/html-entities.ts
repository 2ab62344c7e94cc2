/**
 * The five entities an HTML escaper writes (`&lt;`, `&gt;`, `&quot;`, `&#39;`, `&amp;`), back to their
 * characters; `&amp;` last, so that an escaped entity (`&amp;lt;`) comes back as the text it was.
 */
export function decodeEscapes(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}
