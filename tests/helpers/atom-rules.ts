import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * RFC 4287 (Atom) rules a feed must meet, checked on the parsed XML: the
 * feed and every entry have exactly one id (an absolute IRI), title and
 * updated (an RFC 3339 date-time); the feed names an author (or every entry
 * does); no two alternate links share a type; entries without content link
 * to an alternate; entry ids are unique. Returns the broken rules.
 */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const ABSOLUTE_IRI = /^[a-z][a-z0-9+.-]*:\S+$/i;

export const parseXml = (xml: string) =>
  new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseTagValue: false,
    isArray: (name) => ['entry', 'link', 'id', 'title', 'updated', 'published', 'author', 'content', 'item'].includes(name),
  }).parse(xml);

const text = (v: unknown): string => (typeof v === 'object' && v !== null ? String((v as any)['#text'] ?? '') : String(v ?? ''));

function checkCommon(where: string, node: any, problems: string[]): void {
  for (const name of ['id', 'title', 'updated']) {
    const n = (node[name] ?? []).length;
    if (n !== 1) problems.push(`${where}: ${n} <${name}> elements (exactly one required)`);
  }
  const id = text(node.id?.[0]);
  if (!ABSOLUTE_IRI.test(id)) problems.push(`${where}: id "${id}" is not an absolute IRI`);
  for (const name of ['updated', 'published']) {
    for (const v of node[name] ?? []) if (!RFC3339.test(text(v))) problems.push(`${where}: ${name} "${text(v)}" is not RFC 3339`);
  }
  if ((node.published ?? []).length > 1) problems.push(`${where}: more than one <published>`);
  const alternates = new Map<string, number>();
  for (const link of node.link ?? []) {
    if (!link['@href']) problems.push(`${where}: link without href`);
    const rel = link['@rel'] ?? 'alternate';
    if (rel === 'alternate') {
      const key = `${link['@type'] ?? ''}|${link['@hreflang'] ?? ''}`;
      alternates.set(key, (alternates.get(key) ?? 0) + 1);
    }
  }
  for (const [key, n] of alternates) if (n > 1) problems.push(`${where}: ${n} alternate links with type/hreflang ${key}`);
}

export function atomProblems(xml: string): string[] {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) return [`not well-formed XML: ${JSON.stringify(valid)}`];
  const feed = parseXml(xml).feed;
  if (!feed) return ['root element is not <feed>'];
  const problems: string[] = [];
  if (feed['@xmlns'] !== 'http://www.w3.org/2005/Atom') problems.push('feed is not in the Atom namespace');
  checkCommon('feed', feed, problems);
  const entries: any[] = feed.entry ?? [];
  if (!feed.author && entries.some((e) => !e.author)) problems.push('no feed author and an entry without author');
  const ids = new Set<string>();
  entries.forEach((e, i) => {
    checkCommon(`entry ${i}`, e, problems);
    const id = text(e.id?.[0]);
    if (ids.has(id)) problems.push(`entry ${i}: duplicate id ${id}`);
    ids.add(id);
    const hasAlternate = (e.link ?? []).some((l: any) => (l['@rel'] ?? 'alternate') === 'alternate');
    if (!e.content && !hasAlternate) problems.push(`entry ${i}: no content and no alternate link`);
    for (const c of e.content ?? []) {
      if (c['@type'] && !['text', 'html', 'xhtml'].includes(c['@type']) && !c['@src']) {
        problems.push(`entry ${i}: content type ${c['@type']} needs src or base64`);
      }
    }
  });
  return problems;
}

/** Names of an element's children and attributes: the "structure" compared with the reference. */
export function structureOf(node: Record<string, unknown>): string[] {
  return Object.keys(node)
    .filter((k) => k !== '#text')
    .sort();
}
