import { Marked, Parser, Renderer, type Token, type Tokens } from 'marked';
import sanitizeHtml from 'sanitize-html';

/**
 * The one place Markdown becomes HTML. Every output that shows an update body
 * or a postmortem (page, email, feeds) uses the HTML made here, when the text
 * is saved, never per request. marked does not sanitize, so sanitize-html
 * removes scripts, event handlers and non-http(s)/mailto links afterwards.
 */
const marked = new Marked(
  { gfm: true, breaks: true, async: false },
  {
    renderer: {
      // Pages and email show no images (POLICY has no <img>: nothing is loaded from elsewhere): an image written in
      // Markdown is a link to it, named by its alt text, rather than gone without a trace.
      image(token) {
        return this.link(imageAsLink(token));
      },
    },
  },
);

/**
 * `![alt](url)` read as `[alt](url)`; with no alt text, the URL names it, unless it is the image itself (a pasted
 * `data:` screenshot, whose link the sanitizer drops): then the word "image".
 */
function imageAsLink(token: Tokens.Image): Tokens.Link {
  const label = /^data:/i.test(token.href.trim()) ? 'image' : token.href;
  const tokens: Token[] = token.text ? token.tokens : [{ type: 'text', raw: label, text: label }];
  return { ...token, type: 'link', tokens };
}

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
  // A link whose address was taken (javascript:, data:) is its text alone: an <a> with no href, styled as a link, goes nowhere.
  exclusiveFilter: (frame) => (frame.tag === 'a' && !frame.attribs.href ? 'excludeTag' : false),
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
    return asEscapedText(markdown);
  }
}

const asEscapedText = (markdown: string) =>
  `<p>${sanitizeHtml(markdown, { allowedTags: [], allowedAttributes: {}, disallowedTagsMode: 'recursiveEscape' })}</p>`;

/**
 * sanitize-html writes void elements as `<br />`; the pages write HTML's own `<br>` (html-validate's
 * void-style). Its output holds `<` only in tags (text is escaped), so the swap touches nothing else.
 */
const voidAsHtml = (html: string): string => html.replace(/<(br|hr) \/>/g, '<$1>');

export function renderMarkdown(markdown: string): string {
  return voidAsHtml(sanitizeHtml(parsed(markdown), POLICY)).trim();
}

/** The schemes whose URLs plain text shows, as the HTML links them (POLICY's allowedSchemes). */
const SHOWN_URL = /^(https?:|mailto:)/i;
const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/**
 * A link as it works away from the page (an email, a chat message, a calendar): a relative one, which the
 * page resolves against itself ("/history"), resolved against the site's URL; any other as it is.
 */
function absoluteHref(href: string, siteUrl: string): string {
  if (HAS_SCHEME.test(href) || href.startsWith('//')) return href;
  try {
    return new URL(href, `${siteUrl.replace(/\/+$/, '')}/`).href;
  } catch {
    return href;
  }
}

/** Sanitized HTML (renderMarkdown's) with its relative links resolved against the site's URL (absoluteHref). */
export function withAbsoluteLinks(html: string, siteUrl: string): string {
  if (!/href="(?![a-z][a-z0-9+.-]*:)/i.test(html)) return html;
  const a: sanitizeHtml.Transformer = (tagName, attribs) => ({
    tagName,
    attribs: { ...attribs, ...(attribs.href ? { href: absoluteHref(attribs.href, siteUrl) } : {}) },
  });
  // The same policy again (the output of a pass through it passes unchanged), resolving as it goes.
  return voidAsHtml(sanitizeHtml(html, { ...POLICY, transformTags: { ...POLICY.transformTags, a } }));
}

/**
 * marked's HTML renderer turned to plain text: its blocks end in line breaks instead of tags, list items keep
 * their number or a dash, and a link shows its URL after its text. What it writes is still HTML-escaped text
 * (leaves go through marked's own escaping, code through marked's code renderers), so that the one strip below
 * removes any HTML the author typed and decodes the rest, whatever text looked like markup.
 */
class PlainRenderer extends Renderer {
  private readonly urls: boolean;
  private readonly boxes: boolean;
  private readonly siteUrl: string | undefined;
  constructor(urls: boolean, boxes = true, siteUrl?: string) {
    super();
    this.urls = urls;
    this.boxes = boxes;
    this.siteUrl = siteUrl;
  }
  override space(): string {
    return '';
  }
  override code(token: Tokens.Code): string {
    // marked's <pre><code>…</code></pre>, escaped as marked escapes code; the tags go with the strip.
    return `${super.code(token)}\n`;
  }
  override blockquote({ tokens }: Tokens.Blockquote): string {
    const inner = this.parser.parse(tokens).trim();
    return `${inner.replace(/^/gm, '&gt; ').replace(/^&gt; $/gm, '&gt;')}\n\n`;
  }
  override html(token: Tokens.HTML | Tokens.Tag): string {
    // Typed HTML is stripped below; a <br> the author typed is still a line break.
    const broken = token.text.replace(/<br\s*\/?>/gi, '\n');
    return token.block ? `${broken}\n\n` : broken;
  }
  override heading({ tokens }: Tokens.Heading): string {
    return `${this.parser.parseInline(tokens)}\n\n`;
  }
  override hr(): string {
    return '\n';
  }
  override list({ ordered, start, loose, items }: Tokens.List): string {
    const first = typeof start === 'number' ? start : 1;
    const lines = items.map((item, i) => {
      const marker = ordered ? `${first + i}. ` : '- ';
      const body = this.listitem(item).trim();
      // Lines after the first (a second paragraph, a nested list) sit under the item's text.
      return marker + body.replace(/\n(?=.)/g, `\n${' '.repeat(marker.length)}`);
    });
    return `${lines.join(loose ? '\n\n' : '\n')}\n\n`;
  }
  override listitem(item: Tokens.ListItem): string {
    return this.parser.parse(item.tokens);
  }
  override checkbox({ checked }: Tokens.Checkbox): string {
    if (!this.boxes) return '';
    return checked ? '[x] ' : '[ ] ';
  }
  override paragraph({ tokens }: Tokens.Paragraph): string {
    return `${this.parser.parseInline(tokens)}\n\n`;
  }
  override table(token: Tokens.Table): string {
    const row = (cells: Tokens.TableCell[]) => cells.map((c) => this.parser.parseInline(c.tokens)).join(' | ');
    return `${[row(token.header), ...token.rows.map(row)].join('\n')}\n\n`;
  }
  override strong({ tokens }: Tokens.Strong): string {
    return this.parser.parseInline(tokens);
  }
  override em({ tokens }: Tokens.Em): string {
    return this.parser.parseInline(tokens);
  }
  override del({ tokens }: Tokens.Del): string {
    return this.parser.parseInline(tokens);
  }
  override br(): string {
    return '\n';
  }
  override link({ href: given, tokens, autolink }: Tokens.Link): string {
    const label = this.parser.parseInline(tokens);
    const href = this.siteUrl ? absoluteHref(given, this.siteUrl) : given;
    if (!this.urls || autolink || !SHOWN_URL.test(href)) return label;
    const url = /^mailto:/i.test(href) ? href.slice('mailto:'.length) : href;
    const escapedUrl = super.text({ type: 'text', raw: url, text: url });
    // An autolink, or a link whose text is its URL, says it once.
    return stripped(label) === url ? label : `${label} (${escapedUrl})`;
  }
  override image(token: Tokens.Image): string {
    return this.link(imageAsLink(token));
  }
  override text(token: Tokens.Text | Tokens.Escape): string {
    // A list item's text is a block: it ends its line, so that a nested list starts on the next.
    return 'tokens' in token && token.tokens ? `${this.parser.parseInline(token.tokens)}\n` : super.text(token);
  }
}

/** Escaped text with typed HTML in it, as text: tags and script content gone, entities decoded. */
function stripped(html: string): string {
  return sanitizeHtml(html, { allowedTags: [], allowedAttributes: {} })
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/**
 * Plain text of a Markdown body: for text email, the calendar, channels and the banner. Keeps line and paragraph
 * breaks, list numbers and link URLs ("the docs (https://…)"); never HTML. `urls: false` leaves a link as its
 * text, for the banner: one short line whose own `url` leads to the page, where the link is. With `siteUrl`, a
 * relative link ("/history") shows as the site's URL for it (text read away from the page).
 */
export function markdownToText(markdown: string, { urls = true, siteUrl }: { urls?: boolean; siteUrl?: string } = {}): string {
  try {
    return plainText(marked.lexer(markdown), urls, true, siteUrl);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    return tidy(stripped(asEscapedText(markdown)));
  }
}

/** Lexed blocks as plain text (PlainRenderer; `boxes: false` leaves out task items' [ ] and [x]), stripped, blank lines tidied. */
const plainText = (tokens: Token[], urls: boolean, boxes = true, siteUrl?: string): string =>
  tidy(stripped(Parser.parse(tokens, { ...marked.defaults, renderer: new PlainRenderer(urls, boxes, siteUrl) })));

const tidy = (text: string): string =>
  text
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();

/**
 * The lead of a Markdown body, as plain text without link URLs: its first paragraph (its first
 * heading when it has none, or else its first list item). For the in-app banner, which tells the
 * news in a line and leaves the lists of facts (affected services, estimate, start) to the page.
 * The lead is rendered as lexed in the whole body, so a reference link (`[status][1]`) finds its
 * definition wherever the body gives it.
 */
export function leadText(markdown: string): string {
  try {
    const tokens = marked.lexer(markdown);
    const para = tokens.find((t) => t.type === 'paragraph') ?? tokens.find((t) => t.type === 'heading');
    const item = (tokens.find((t) => t.type === 'list') as Tokens.List | undefined)?.items[0];
    // A task item's box is no news: the item's text alone, as its own lead.
    return plainText(para ? [para] : item ? item.tokens : tokens, false, false);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    return markdownToText(markdown, { urls: false });
  }
}
