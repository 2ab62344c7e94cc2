import { Marked, type Token, type Tokens } from 'marked';
import sanitizeHtml from 'sanitize-html';

/**
 * The one place Markdown becomes HTML. Every output that shows an update body
 * or a postmortem (page, email, feeds) uses the HTML made here, when the text
 * is saved, never per request. marked does not sanitize, so sanitize-html
 * removes scripts, event handlers and links other than http(s), mailto and tel afterwards.
 */
export const marked = new Marked(
  { gfm: true, breaks: true, async: false },
  {
    renderer: {
      // Pages and email show no images (POLICY has no <img>: nothing is loaded from elsewhere): an image written in
      // Markdown is a link to it, named by its alt text, rather than gone without a trace.
      image(token) {
        return this.link(imageAsLink(token));
      },
      // false: marked's own link, for every link without an image in it.
      link(token) {
        const named = imagesAsNames(token);
        return named === token ? false : this.link(named);
      },
      html(token) {
        return typedTagsAsText(token.text);
      },
      // A task list's boxes as characters: POLICY keeps no <input>, and a list of steps lost which were done (the
      // email's text part said "[x]").
      checkbox({ checked }) {
        return checked ? '☑ ' : '☐ ';
      },
    },
  },
);

/**
 * HTML typed in a body with each tag the pages do not keep (POLICY's) shown as typed, as text: "Forms with a
 * <textarea> fail" says so. Dropped instead, a tag whose content HTML reads as raw text (textarea, style,
 * script, title, xmp) took everything after it with it, to the end of the body, in every output.
 */
export function typedTagsAsText(html: string): string {
  // The name ends where HTML ends it: at a space, a slash or the end (`<textarea/x>` opens a textarea too).
  return (
    html
      .replace(/<\/?([a-zA-Z][a-zA-Z0-9-]*)(?=[\s/>])[^>]*>/g, (tag, name: string) =>
        KEPT_TAGS.has(name.toLowerCase())
          ? tag
          : tag.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;'),
      )
      // A declaration, processing instruction or CDATA section ("the API returns <!DOCTYPE html>", "<?xml …?>
      // errors") is quoted, not markup for a page: the sanitizer dropped it. A comment stays hidden, as written.
      .replace(/<(?=!(?!--)|\?)/g, '&lt;')
  );
}

/**
 * `![alt](url)` read as `[alt](url)`; with no alt text, the URL names it, unless it is the image itself (a pasted
 * `data:` screenshot, whose link the sanitizer drops): then the word "image".
 */
export function imageAsLink(token: Tokens.Image): Tokens.Link {
  const label = /^data:/i.test(token.href.trim()) ? 'image' : token.href;
  const tokens: Token[] = token.text ? token.tokens : [{ type: 'text', raw: label, text: label }];
  return { ...token, type: 'link', tokens };
}

/**
 * A link whose text holds an image (`[![graph](g.png)](dashboard)`, a badge) with each image as its alt text: the
 * link leads where it says, rather than an image's link inside it (a link in a link, which HTML splits into an
 * empty one and another). An image with no alt text is named by the link's address. The token itself when it
 * holds no image.
 */
export function imagesAsNames(token: Tokens.Link): Tokens.Link {
  const asNames = (tokens: Token[]): Token[] =>
    tokens.flatMap((t): Token[] => {
      if (t.type === 'image') {
        const image = t as Tokens.Image;
        return image.text ? image.tokens : [{ type: 'text', raw: token.href, text: token.href }];
      }
      // Inside emphasis (`[**![graph](g.png)**](dashboard)`) too.
      return 'tokens' in t && Array.isArray(t.tokens) ? [{ ...t, tokens: asNames(t.tokens) } as Token] : [t];
    });
  const holdsImage = (tokens: Token[]): boolean =>
    tokens.some((t) => t.type === 'image' || ('tokens' in t && Array.isArray(t.tokens) && holdsImage(t.tokens)));
  return holdsImage(token.tokens) ? { ...token, tokens: asNames(token.tokens) } : token;
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
  // tel: a support line in an update is a tap away on a phone, as mailto is an address.
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  allowProtocolRelative: false,
  // Headings in an update sit under the page's own: demoted two levels, in order (h3 and below were kept as
  // they were, so "###" came out above "##"). Where the body is shown, nestHeadings sets them under its title.
  transformTags: {
    h1: 'h3',
    h2: 'h4',
    h3: 'h5',
    h4: 'h6',
    h5: 'h6',
    a: (tagName, attribs) => ({
      tagName,
      attribs: { ...attribs, ...(attribs.href ? { href: rootedHref(attribs.href) } : {}), rel: 'nofollow noopener noreferrer' },
    }),
  },
  allowedSchemesAppliedToAttributes: ['href'],
  // A link whose address was taken (javascript:, data:) is its text alone: an <a> with no href, styled as a link, goes nowhere.
  exclusiveFilter: (frame) => (frame.tag === 'a' && !frame.attribs.href ? 'excludeTag' : false),
};
POLICY.allowedAttributes = { ...(POLICY.allowedAttributes as object), a: ['href', 'title', 'rel'] };
/** The tags a body may be written with (marked writes h1 and h2 too, which the policy demotes). */
const KEPT_TAGS = new Set([...(POLICY.allowedTags as string[]), 'h1', 'h2']);

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

export const asEscapedText = (markdown: string) =>
  `<p>${sanitizeHtml(markdown, { allowedTags: [], allowedAttributes: {}, disallowedTagsMode: 'recursiveEscape' })}</p>`;

/**
 * sanitize-html writes void elements as `<br />`; the pages write HTML's own `<br>` (html-validate's
 * void-style). Its output holds `<` only in tags (text is escaped), so the swap touches nothing else.
 */
const voidAsHtml = (html: string): string => html.replace(/<(br|hr) \/>/g, '<$1>');

/**
 * A path typed without its leading slash (`[history](history)`), rooted at the site: the same update is shown on
 * `/` and on its incident's page, where the browser would resolve it against `/incidents/`, and every channel
 * (absoluteHref) resolves it against the site's root. A scheme, `/…`, `#…` and `?…` are left as typed.
 */
function rootedHref(href: string): string {
  if (/^(?:[a-z][a-z0-9+.-]*:|[/#?])/i.test(href)) return href;
  try {
    const url = new URL(href, 'https://site.invalid/');
    return url.origin === 'https://site.invalid' ? `${url.pathname}${url.search}${url.hash}` : href;
  } catch {
    return href;
  }
}

export function renderMarkdown(markdown: string): string {
  return voidAsHtml(sanitizeHtml(parsed(markdown), POLICY)).trim();
}

const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/**
 * A link as it works away from the page (an email, a chat message, a calendar): a relative one, which the
 * page resolves against itself ("/history"), resolved against the site's URL; any other as it is.
 */
export function absoluteHref(href: string, siteUrl: string): string {
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
  // The same policy again, resolving as it goes; its other transforms were applied by the first pass (the
  // headings' demotion, applied twice, would take them two levels further down).
  return voidAsHtml(sanitizeHtml(html, { ...POLICY, transformTags: { a } }));
}
