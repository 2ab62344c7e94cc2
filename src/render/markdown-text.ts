import { Parser, Renderer, type Token, type Tokens } from 'marked';
import sanitizeHtml from 'sanitize-html';
import { absoluteHref, asEscapedText, imageAsLink, imagesAsNames, marked, typedTagsAsText } from './markdown.ts';
import { typedLinksAsLinks } from './typed-links.ts';
import { decodeEscapes } from './html-entities.ts';

/**
 * Markdown as plain text, for what is read away from the page: text email, the calendar, chat and the banner.
 * It reads the Markdown as the HTML renderer does (markdown.ts: the same marked instance, images as links,
 * relative links resolved), so that the text and the HTML of one body say the same.
 */

/** The schemes whose URLs plain text shows, as the HTML links them (markdown.ts's POLICY, allowedSchemes). */
const SHOWN_URL = /^(https?:|mailto:|tel:)/i;
/** Schemes shown as what follows them: an address, a phone number. */
const SHOWN_BARE = /^(mailto|tel):/i;

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
    // Typed HTML the pages keep is stripped below, the rest shown as typed (as the HTML does); a <br> the
    // author typed is still a line break.
    const broken = typedTagsAsText(token.text.replace(/<br\s*\/?>/gi, '\n'));
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
  // Struck through, as the HTML's <del> shows it: "ETA ~~14:00~~ 16:00" is a correction, not two times.
  override del({ tokens }: Tokens.Del): string {
    return `~~${this.parser.parseInline(tokens)}~~`;
  }
  override br(): string {
    return '\n';
  }
  override link(token: Tokens.Link): string {
    const { href: given, tokens, autolink } = imagesAsNames(token);
    const label = this.parser.parseInline(tokens);
    const href = this.siteUrl ? absoluteHref(given, this.siteUrl) : given;
    if (!this.urls || autolink || !SHOWN_URL.test(href)) return label;
    const url = href.replace(SHOWN_BARE, '');
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
  return decodeEscapes(sanitizeHtml(html, { allowedTags: [], allowedAttributes: {} }));
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
  tidy(stripped(Parser.parse(typedLinksAsLinks(tokens), { ...marked.defaults, renderer: new PlainRenderer(urls, boxes, siteUrl) })));

const tidy = (text: string): string =>
  text
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();

/**
 * The lead of a Markdown body, as plain text without link URLs: its first paragraph (its first
 * heading when it has none, or else its first list item, or else the lead of its first quote). For the
 * in-app banner, which tells the news in a line and leaves the lists of facts (affected services,
 * estimate, start) to the page.
 * The lead is rendered as lexed in the whole body, so a reference link (`[status][1]`) finds its
 * definition wherever the body gives it.
 */
export function leadText(markdown: string): string {
  try {
    return plainText(leadOf(marked.lexer(markdown)), false, false);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    return markdownToText(markdown, { urls: false });
  }
}

/** The blocks of a lead (leadText): a paragraph, a heading, a list's first item, or else a quote's own lead. */
function leadOf(tokens: Token[]): Token[] {
  const para = tokens.find((t) => t.type === 'paragraph') ?? tokens.find((t) => t.type === 'heading');
  if (para) return [para];
  // A task item's box is no news: the item's text alone, as its own lead.
  const item = (tokens.find((t) => t.type === 'list') as Tokens.List | undefined)?.items[0];
  if (item) return item.tokens;
  // Quoted words (a customer's report) lead as they read, without the quote's "> ".
  const quote = tokens.find((t) => t.type === 'blockquote') as Tokens.Blockquote | undefined;
  return quote ? leadOf(quote.tokens) : tokens;
}
