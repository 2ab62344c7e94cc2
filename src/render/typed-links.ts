import type { Token, Tokens } from 'marked';
import { decodeEscapes } from './html-entities.ts';

/** An `<a>` tag as typed, with its href quoted either way or not at all. */
const A_OPEN = /^<a\s(?:[^>]*?\s)?href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))[^>]*>$/i;
const A_CLOSE = /^<\/a\s*>$/i;

/**
 * Lexed Markdown with each typed `<a href="…">text</a>` (inline HTML, which the page keeps as a link) turned
 * into marked's own link token, so that plain text shows its URL as it does a Markdown link's: marked lexes
 * the two tags as separate HTML tokens, and the text renderer, which drops tags, kept only the words between.
 * Changes the tokens in place (they are lexed afresh for each rendering) and returns them.
 */
export function typedLinksAsLinks<T extends Token>(tokens: T[]): T[] {
  for (const t of tokens) {
    const node = t as Token & { tokens?: Token[]; items?: Tokens.ListItem[]; header?: Tokens.TableCell[]; rows?: Tokens.TableCell[][] };
    if (Array.isArray(node.tokens)) node.tokens = typedLinksAsLinks(node.tokens);
    if (Array.isArray(node.items)) typedLinksAsLinks(node.items);
    if (node.type === 'table') {
      for (const cell of [...(node.header ?? []), ...(node.rows ?? []).flat()]) cell.tokens = typedLinksAsLinks(cell.tokens);
    }
  }
  const out: T[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const open = t.type === 'html' && !(t as Tokens.Tag).block ? A_OPEN.exec(t.raw.trim()) : null;
    const end = open ? tokens.findIndex((u, j) => j > i && u.type === 'html' && A_CLOSE.test(u.raw.trim())) : -1;
    if (!open || end < 0) {
      out.push(t);
      continue;
    }
    const inner = tokens.slice(i + 1, end) as Token[];
    const link: Tokens.Link = {
      type: 'link',
      raw: tokens
        .slice(i, end + 1)
        .map((u) => u.raw)
        .join(''),
      href: decodeEscapes(open[1] ?? open[2] ?? open[3] ?? ''),
      title: null,
      text: inner.map((u) => u.raw).join(''),
      tokens: inner,
    };
    out.push(link as unknown as T);
    i = end;
  }
  return out;
}
