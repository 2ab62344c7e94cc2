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

export function renderMarkdown(markdown: string): string {
  const raw = marked.parse(markdown) as string;
  return sanitizeHtml(raw, POLICY).trim();
}

/** Plain text of a Markdown body: for banners, subjects and text email. */
export function markdownToText(markdown: string): string {
  // List items keep a dash, so "Affected services: …" and "Started at: …" do not run together once flattened.
  const html = (marked.parse(markdown) as string).replace(/<li>/g, '<li>- ');
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
