/**
 * The little XML the feeds need, written by hand so the output follows the
 * Statuspage feeds byte for byte in structure (entity-escaped HTML content,
 * no CDATA, no generator tags), which the `feed` package cannot produce.
 */

/**
 * Characters XML 1.0 forbids even as references: C0 controls other than tab,
 * LF and CR, lone surrogates, U+FFFE and U+FFFF. A stray one (pasted from a
 * terminal) would make every feed reader reject the whole feed, so they go.
 */
const INVALID_XML =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes text for element content or a double- or single-quoted attribute value. */
export function escapeXml(text: string): string {
  return text.replace(INVALID_XML, '').replace(/[&<>"']/g, (ch) => ENTITIES[ch]!);
}

/** `<name attr="v">escaped text</name>` */
export function element(name: string, text: string, attrs: Record<string, string> = {}): string {
  return `<${name}${attributes(attrs)}>${escapeXml(text)}</${name}>`;
}

/** `<name attr="v"/>` */
export function emptyElement(name: string, attrs: Record<string, string>): string {
  return `<${name}${attributes(attrs)}/>`;
}

function attributes(attrs: Record<string, string>): string {
  return Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
    .join('');
}

/** RFC 3339 as Atom and the reference feeds write it: seconds, `Z`, no milliseconds. */
export function atomDate(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** RFC 822 date as RSS 2.0 wants it, with a numeric `+0000` zone as the reference feeds. */
export function rssDate(iso: string): string {
  return new Date(iso).toUTCString().replace(/GMT$/, '+0000');
}

/**
 * The authority of `tag:` URIs (RFC 4151): the public host name, without
 * port or credentials, so ids stay the same when the port changes.
 */
export function tagAuthority(siteUrl: string): string {
  return new URL(siteUrl).hostname.toLowerCase().replace(/^\[|\]$/g, '');
}
