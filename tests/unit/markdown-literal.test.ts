import { describe, expect, it } from 'vitest';
import { markdownBlockLiteral, markdownLiteral } from '../../src/render/markdown-literal.ts';
import { renderMarkdown } from '../../src/render/markdown.ts';
import { markdownToText } from '../../src/render/markdown-text.ts';
import { TEMPLATE_NAMES, updateTemplate } from '../../src/console/templates.ts';
import { withoutStated } from '../../src/notify/without-stated.ts';
import { postmortemDraft } from '../../src/render/postmortem-template.ts';
import { declareIncident } from '../../src/domain/incidents/declare.ts';
import { postUpdate } from '../../src/domain/incidents/post-update.ts';
import { ctx, db, T0 } from '../helpers/db.ts';

/**
 * Names and titles put into Markdown templates (the update templates, the postmortem's) show as they are:
 * before, "Billing <beta>" came out as "Billing " (the sanitizer took the tag) and "API *v2*" in italics, on
 * the page, in the email and in chat.
 */
const TRICKY = [
  'Billing <beta>',
  'API *v2*',
  '_Legacy_ portal',
  '__init__ service',
  '[EU] Payments',
  '![logo](logo.png) Portal',
  '`cli` tools',
  '~~Old~~ dashboard',
  'Web\\App',
  'R&amp;D wiki',
  'x**y**z',
  'Ünï_cödé_',
  '<script>alert(1)</script>',
];
const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** Text of rendered HTML with its entities decoded. */
const htmlText = (html: string) =>
  html
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

describe('markdownLiteral', () => {
  it.each(TRICKY)('%s renders as itself, as HTML and as plain text, in a sentence', (name) => {
    const md = `Problems with ${markdownLiteral(name)} since noon.`;
    expect(renderMarkdown(md)).toBe(`<p>Problems with ${escapeHtml(name)} since noon.</p>`);
    expect(markdownToText(md)).toBe(`Problems with ${name} since noon.`);
  });

  it('leaves ordinary names as they are typed, so the text the Comms Lead edits reads as written', () => {
    for (const name of ['Checkout API', 'search_index_eu', 'R&D tools', 'C# SDK', 'Auth & SSO (EU)', '1. Core', 'a|b'])
      expect(markdownLiteral(name)).toBe(name);
  });
});

describe('markdownBlockLiteral', () => {
  const LINES = [
    '# of WAL files',
    '> 5 GB',
    '- then',
    '+ also',
    '1. first',
    '2) second',
    '===',
    '---',
    '***',
    '___',
    '| a | b |',
    ':--|--:',
    '~~~',
    '```sh',
  ];
  it.each(LINES)('%s at the start of a line, under another, renders as itself', (line) => {
    const text = `Old *_wal* files.\n${line}\nEnd <here>.`;
    expect(renderMarkdown(markdownBlockLiteral(text))).toBe(`<p>${escapeHtml(text).replace(/\n/g, '<br>')}</p>`);
  });

  it('keeps paragraphs, and drops the leading spaces that would make code (the page does not show them)', () => {
    expect(renderMarkdown(markdownBlockLiteral('One.\n\n    Two.'))).toBe('<p>One.</p>\n<p>Two.</p>');
  });
});

describe('names in the update templates', () => {
  const facts = (components: string[]) => ({
    components,
    level: null,
    startedAt: '2026-11-30T14:02:00.000Z',
    eta: null,
    now: new Date('2026-11-30T15:32:00.000Z'),
    timeZone: 'UTC',
  });

  it.each(TEMPLATE_NAMES)('%s: every name shows as it is', (template) => {
    const body = updateTemplate(template, facts(TRICKY));
    const html = renderMarkdown(body);
    expect(html).not.toMatch(/<(em|del|code|a|img|script)\b/);
    const text = markdownToText(body);
    for (const name of TRICKY) {
      expect(htmlText(html)).toContain(name);
      expect(text).toContain(name);
    }
  });

  it('the email leaves out the "Affected services" line the template wrote, as it states the same field', () => {
    const names = ['Billing <beta>', 'API *v2*'];
    const body = updateTemplate('investigating', facts(names));
    const kept = withoutStated(body, { 'affected services': 'Billing <beta> and API *v2*' });
    expect(kept).not.toContain('Affected services');
    expect(kept).toContain('- **Started at:**');
  });
});

describe('the postmortem template', () => {
  it('shows the title, the component names and the updates as they are', () => {
    const d = db([{ id: 'billing', name: 'Billing <beta>' }]);
    const inc = declareIncident(ctx(d, 1), {
      name: 'Invoices *not* sent',
      impact: 'critical',
      status: 'investigating',
      body: 'The `<invoice>` queue is stuck.',
      components: { billing: 'major_outage' },
    });
    postUpdate(ctx(d, 30), inc.id, { status: 'resolved', body: 'Fixed: [1] retried.' });
    const html = renderMarkdown(postmortemDraft(inc, d, 'UTC', new Date(T0.getTime() + 50 * 60_000)));
    const text = htmlText(html);
    expect(text).toContain('Billing <beta> had a service disruption: Invoices *not* sent.');
    expect(text).toContain('Affected services: Billing <beta>');
    expect(text).toContain('Investigating. The <invoice> queue is stuck.');
    expect(text).toContain('Resolved. Fixed: [1] retried.');
  });
});
