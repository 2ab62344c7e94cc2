import { expect } from 'vitest';

const ALLOWED_TAGS = new Set([
  'p',
  'br',
  'hr',
  'strong',
  'b',
  'em',
  'i',
  'del',
  's',
  'code',
  'pre',
  'blockquote',
  'ul',
  'ol',
  'li',
  'a',
  'h3',
  'h4',
  'h5',
  'h6',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
]);
const ALLOWED_ATTRIBUTES = new Set(['href', 'title', 'rel', 'align', 'start']);

/**
 * Checks the sanitizer's output independently of it: every `<` starts a tag of
 * the allowlist, every attribute is allowlisted and quoted, and every link is
 * http(s), mailto or relative.
 */
export function assertInert(html: string): void {
  const tag = /<\/?([a-zA-Z0-9]+)((?:\s+[a-zA-Z-]+(?:="[^"<>]*")?)*)\s*\/?>/y;
  for (let i = html.indexOf('<'); i !== -1; i = html.indexOf('<', i + 1)) {
    tag.lastIndex = i;
    const m = tag.exec(html);
    expect(m, `a raw "<" that is not a plain tag at ${i}: ${html.slice(i, i + 40)}`).not.toBeNull();
    expect(ALLOWED_TAGS.has(m![1]!.toLowerCase()), `tag <${m![1]}>`).toBe(true);
    for (const [, name, value] of m![2]!.matchAll(/\s+([a-zA-Z-]+)(?:="([^"]*)")?/g)) {
      expect(ALLOWED_ATTRIBUTES.has(name!.toLowerCase()), `attribute ${name}`).toBe(true);
      if (name === 'href') {
        const decoded = value!.replace(/&amp;/g, '&').replace(/&#(\d+);?/g, (_x, d) => String.fromCharCode(Number(d)));
        expect(decoded, 'href scheme').toMatch(/^(https?:\/\/|mailto:|#|\/(?!\/)|[^:/]*$)/i);
      }
    }
  }
}
