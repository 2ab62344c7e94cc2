import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';

/**
 * The one place Markdown becomes HTML. Every output that shows an update body
 * or a postmortem (page, email, feeds) uses the HTML made here, when the text
 * is saved, never per request. marked does not sanitize, so sanitize-html
 * removes scripts, event handlers and non-http(s)/mailto links afterwards.
 */
const marked = new Marked({ gfm: true, breaks: true, async: false });

const POLICY: sanitizeHtml.IOptions = {
  allowedTags: [
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
  ],
  allowedAttributes: { a: ['href', 'title'], th: ['align'], td: ['align'], ol: ['start'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowProtocolRelative: false,
  // Headings in an update sit under the page's own h2/h3; demote h1/h2.
  transformTags: {
    h1: 'h3',
    h2: 'h4',
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: 'nofollow noopener noreferrer' } }),
  },
  allowedSchemesAppliedToAttributes: ['href'],
};
POLICY.allowedAttributes = { ...(POLICY.allowedAttributes as object), a: ['href', 'title', 'rel'] };

/**
 * Levels of marked's tokens: deeper than any update needs (a list three deep is 8, bold in a link in a
 * paragraph 4), and far short of the depth at which marked, which reads nested blocks by recursion, runs out
 * of stack: a few thousand `>`, fewer in a process just started, whose code is not optimised yet.
 */
export const MAX_MARKDOWN_DEPTH = 32;

/**
 * How deeply the blocks and spans of `markdown` nest, as marked reads them; Infinity when reading it runs out
 * of stack. Input is held to MAX_MARKDOWN_DEPTH, so that what was saved by a process that could still read it
 * is read by every other one too.
 */
export function markdownDepth(markdown: string): number {
  let tokens: unknown[];
  try {
    tokens = marked.lexer(markdown);
  } catch (err) {
    if (err instanceof RangeError) return Number.POSITIVE_INFINITY;
    throw err;
  }
  let deepest = 0;
  // Any token a token holds (in `tokens`, list `items`, table cells) is a level down; walked with a stack of its own.
  const todo: Array<[unknown, number]> = tokens.map((t) => [t, 1]);
  for (let next = todo.pop(); next; next = todo.pop()) {
    const [value, depth] = next;
    if (Array.isArray(value)) {
      for (const v of value) todo.push([v, depth]);
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    deepest = Math.max(deepest, depth);
    for (const [key, v] of Object.entries(value)) if (key !== 'raw' && typeof v === 'object') todo.push([v, depth + 1]);
  }
  return deepest;
}

/** marked's HTML, or, for Markdown too deep for it (stored before input was held to a depth), the text escaped. */
function parsed(markdown: string): string {
  try {
    return marked.parse(markdown) as string;
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    return `<p>${sanitizeHtml(markdown, { allowedTags: [], allowedAttributes: {}, disallowedTagsMode: 'recursiveEscape' })}</p>`;
  }
}

export function renderMarkdown(markdown: string): string {
  return sanitizeHtml(parsed(markdown), POLICY).trim();
}

/** Plain text of a Markdown body: for banners, subjects and text email. */
export function markdownToText(markdown: string): string {
  // List items keep a dash, so "Affected services: …" and "Started at: …" do not run together once flattened.
  const html = parsed(markdown).replace(/<li>/g, '<li>- ');
  return sanitizeHtml(html, { allowedTags: [], allowedAttributes: {} })
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
