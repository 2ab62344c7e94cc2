import type { Db } from '../domain/model.ts';
import type { SiteInfo } from '../read/statuspage-records.ts';
import { feedEntries, feedHead } from './entries.ts';
import { atomDate, element, emptyElement } from './xml.ts';

export const ATOM_TYPE = 'application/atom+xml; charset=utf-8';

/** `/history.atom` (RFC 4287) in the structure of Statuspage's history feed. */
export function historyAtom(db: Db, site: SiteInfo): string {
  const head = feedHead(db, site);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<feed xml:lang="en-US" xmlns="http://www.w3.org/2005/Atom">',
    `  ${element('id', head.id)}`,
    `  ${emptyElement('link', { rel: 'alternate', type: 'text/html', href: head.siteUrl })}`,
    `  ${emptyElement('link', { rel: 'self', type: 'application/atom+xml', href: `${head.siteUrl}/history.atom` })}`,
    `  ${element('title', head.title)}`,
    `  ${element('updated', atomDate(head.updated))}`,
    '  <author>',
    `    ${element('name', head.author)}`,
    '  </author>',
  ];
  for (const e of feedEntries(db, site)) {
    lines.push(
      '  <entry>',
      `    ${element('id', e.id)}`,
      `    ${element('published', atomDate(e.published))}`,
      `    ${element('updated', atomDate(e.updated))}`,
      `    ${emptyElement('link', { rel: 'alternate', type: 'text/html', href: e.url })}`,
      `    ${element('title', e.title)}`,
      `    ${element('content', e.html, { type: 'html' })}`,
      '  </entry>',
    );
  }
  lines.push('</feed>', '');
  return lines.join('\n');
}
