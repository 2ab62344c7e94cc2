import type { Db } from '../domain/model.ts';
import type { SiteInfo } from '../read/statuspage-records.ts';
import { feedEntries, feedHead } from './entries.ts';
import { element, escapeXml, rssDate } from './xml.ts';

export const RSS_TYPE = 'application/rss+xml; charset=utf-8';

/**
 * `/history.rss` (RSS 2.0) in the structure of Statuspage's: channel
 * description literally "Statuspage", item pubDate = when the incident was
 * created, guid = link = the incident page.
 */
export function historyRss(db: Db, site: SiteInfo): string {
  const head = feedHead(db, site);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">',
    '  <channel>',
    `    ${element('title', head.title)}`,
    `    ${element('link', head.siteUrl)}`,
    '    <description>Statuspage</description>',
    `    ${element('pubDate', rssDate(head.updated))}`,
  ];
  for (const e of feedEntries(db, site)) {
    lines.push(
      '    <item>',
      `      ${element('title', e.title)}`,
      `      <description>\n${escapeXml(e.html)}      </description>`,
      `      ${element('pubDate', rssDate(e.published))}`,
      `      ${element('link', e.url)}`,
      `      ${element('guid', e.url)}`,
      '    </item>',
    );
  }
  lines.push('  </channel>', '</rss>', '');
  return lines.join('\n');
}
