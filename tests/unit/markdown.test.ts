import { describe, expect, it } from 'vitest';
import { MAX_MARKDOWN_DEPTH, markdownDepth, renderMarkdown, withAbsoluteLinks } from '../../src/render/markdown.ts';
import { markdownToText } from '../../src/render/markdown-text.ts';
import { nestHeadings } from '../../src/render/nest-headings.ts';
import { MARKDOWN_ATTACKS } from '../fixtures/markdown-attacks.ts';
import { assertInert } from '../helpers/inert.ts';

describe('renderMarkdown makes hostile Markdown inert', () => {
  it.each(MARKDOWN_ATTACKS)('%s', (_name, markdown) => {
    const html = renderMarkdown(markdown);
    assertInert(html);
    // The words may survive as text (harmless); never inside an attribute.
    expect(html).not.toMatch(/="[^"]*(javascript|vbscript|data):/i);
  });

  it('keeps the text around a tag it takes as text, and a link whose address it drops', () => {
    // A tag the pages do not keep shows as typed, as text (inert): dropped, it took its content with it.
    expect(renderMarkdown('Before <script>alert("x")</script> after')).toBe('<p>Before &lt;script&gt;alert("x")&lt;/script&gt; after</p>');
    // A link whose address is taken is its text: an <a> with no href would look like a link and go nowhere.
    expect(renderMarkdown('[click](javascript:alert(1))')).toBe('<p>click</p>');
    expect(renderMarkdown('[**bold**](data:text/html,x) and [ok](https://x.example/)')).toBe(
      '<p><strong>bold</strong> and <a href="https://x.example/" rel="nofollow noopener noreferrer">ok</a></p>',
    );
  });
});

describe('a path typed without its leading slash', () => {
  it('is rooted at the site, so it leads to one page from / and from the incident page alike; others stay as typed', () => {
    // Before: href="history", /history from / but /incidents/history (404) from the incident's page.
    const html = renderMarkdown('[a](history) [b](incidents/INC-1#trail) [c](../x?y=1) [d](#top) [e](?page=2) [f](/history)');
    expect([...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1])).toEqual([
      '/history',
      '/incidents/INC-1#trail',
      '/x?y=1',
      '#top',
      '?page=2',
      '/history',
    ]);
    for (const [, markdown] of MARKDOWN_ATTACKS) assertInert(renderMarkdown(markdown));
  });
});

describe('links away from the page (email, chat, calendar)', () => {
  const SITE = 'https://status.example.com';
  it("resolves relative links against the site's URL, leaves absolute ones, and stays as inert as the page's HTML", () => {
    const html = renderMarkdown('[a](/history) [b](incidents/INC-1#trail) [c](#top) [d](https://x.example/) [e](mailto:ops@x.example)');
    const away = withAbsoluteLinks(html, `${SITE}/`);
    for (const href of [`${SITE}/history`, `${SITE}/incidents/INC-1#trail`, `${SITE}/#top`, 'https://x.example/', 'mailto:ops@x.example'])
      expect(away).toContain(`href="${href}"`);
    const absolute = renderMarkdown('[d](https://x.example/) and [e](mailto:ops@x.example)');
    expect(withAbsoluteLinks(absolute, SITE)).toBe(absolute);
    for (const [, markdown] of MARKDOWN_ATTACKS) assertInert(withAbsoluteLinks(renderMarkdown(markdown), SITE));
    expect(markdownToText('See [the history](/history).', { siteUrl: SITE })).toBe(`See the history (${SITE}/history).`);
    expect(markdownToText('See [the history](/history).')).toBe('See the history.');
  });

  it("shows the URL of a link typed as HTML in the text, as it does a Markdown link's", () => {
    // Before: "See raw link now." (the tags stripped, the URL with them).
    expect(markdownToText('See <a href="https://x.example/y">raw link</a> now.')).toBe('See raw link (https://x.example/y) now.');
    expect(markdownToText("- <a href='/history'>**history**</a>", { siteUrl: SITE })).toBe(`- history (${SITE}/history)`);
    expect(markdownToText('<a href="https://x.example/">https://x.example/</a>')).toBe('https://x.example/');
    expect(markdownToText('a <a href="https://a.example/?a=1&amp;b=2">q</a>')).toBe('a q (https://a.example/?a=1&b=2)');
    // What the page does not link shows no URL.
    expect(markdownToText('x <a href="javascript:alert(1)">bad</a>')).toBe('x bad');
    expect(markdownToText('<a name="x">anchor</a> here')).toBe('anchor here');
  });

  // From a hunt: the second pass applied the headings' demotion again, so an email whose update had a relative
  // link showed "# One … #### Four" as h5, h6, h6, h6 (h3 to h6 without one).
  it('changes only the links: headings keep the levels the page gives them', () => {
    const html = renderMarkdown('See [history](/history).\n\n# One\n\n## Two\n\n### Three\n\n#### Four');
    const away = withAbsoluteLinks(html, SITE);
    expect(away).toBe(html.replace('href="/history"', `href="${SITE}/history"`));
    expect([...away.matchAll(/<(h\d)>/g)].map((m) => m[1])).toEqual(['h3', 'h4', 'h5', 'h6']);
  });
});

describe('renderMarkdown keeps what updates need', () => {
  it('renders emphasis, lists, code, line breaks and safe links', () => {
    const html = renderMarkdown(
      'We are **investigating** _slow_ requests.\nSecond line.\n\n- one\n- two\n\n`curl -v`\n\n[status](https://status.example.com/x?a=1&b=2) and <ops@example.com>',
    );
    expect(html).toContain('<strong>investigating</strong>');
    expect(html).toContain('<em>slow</em>');
    expect(html).toContain('requests.<br>Second line.'); // HTML's own void style, as the pages write it
    expect(renderMarkdown('a\n\n---\n\nb')).toBe('<p>a</p>\n<hr>\n<p>b</p>');
    expect(html).toContain('<li>one</li>');
    expect(html).toContain('<code>curl -v</code>');
    expect(html).toContain('<a href="https://status.example.com/x?a=1&amp;b=2" rel="nofollow noopener noreferrer">status</a>');
    expect(html).toContain('href="mailto:ops@example.com"');
    assertInert(html);
    // A support line is a tap away on a phone; a scheme that runs or loads something stays text.
    expect(renderMarkdown('[Call support](tel:+18005550100)')).toBe(
      '<p><a href="tel:+18005550100" rel="nofollow noopener noreferrer">Call support</a></p>',
    );
    expect(renderMarkdown('[x](sms:+1800) [y](callto:+1800)')).toBe('<p>x y</p>');
  });

  it("demotes headings below the page's own, keeping their order", () => {
    expect(renderMarkdown('# Big\n\n## Smaller')).toBe('<h3>Big</h3>\n<h4>Smaller</h4>');
    // Before: "###" stayed an h3, above the "##" made an h4.
    expect(renderMarkdown('## Rollback\n\n### Steps\n\n#### Detail')).toBe('<h4>Rollback</h4>\n<h5>Steps</h5>\n<h6>Detail</h6>');
  });

  it("nests a body's headings under the title it is shown under, keeping their steps", () => {
    const html = renderMarkdown('## Rollback\n\n### Steps\n\nText with &lt;h3&gt; typed in it.');
    // Under an incident's h1 (its page), an h3 (the status page), a section's h2 (the postmortem).
    expect(nestHeadings(html, 1)).toContain('<h2>Rollback</h2>\n<h3>Steps</h3>');
    expect(nestHeadings(html, 3)).toContain('<h4>Rollback</h4>\n<h5>Steps</h5>');
    expect(nestHeadings(html, 2)).toContain('&lt;h3&gt;');
    // Capped at h6; a body without headings is as it was.
    expect(nestHeadings(renderMarkdown('# A\n\n###### B'), 5)).toBe('<h6>A</h6>\n<h6>B</h6>');
    expect(nestHeadings('<p>x</p>', 1)).toBe('<p>x</p>');
  });

  it('escapes text that looks like markup', () => {
    expect(renderMarkdown('Use `a < b && c > d`')).toBe('<p>Use <code>a &lt; b &amp;&amp; c &gt; d</code></p>');
  });
});

describe('an image written in Markdown', () => {
  it('is a link to it, named by its alt text (by its URL when it has none), in the HTML and the text alike', () => {
    const SITE = 'https://status.example.com';
    const rel = 'rel="nofollow noopener noreferrer"';
    expect(renderMarkdown('See ![the graph](https://x.example/g.png).')).toBe(
      `<p>See <a href="https://x.example/g.png" ${rel}>the graph</a>.</p>`,
    );
    expect(markdownToText('See ![the graph](https://x.example/g.png).')).toBe('See the graph (https://x.example/g.png).');
    expect(renderMarkdown('![](https://x.example/g.png)')).toBe(
      `<p><a href="https://x.example/g.png" ${rel}>https://x.example/g.png</a></p>`,
    );
    expect(markdownToText('![](https://x.example/g.png)')).toBe('https://x.example/g.png');
    // A relative one works away from the page as a link does.
    const html = renderMarkdown('![the graph](/graphs/api.png)');
    expect(withAbsoluteLinks(html, SITE)).toBe(`<p><a href="${SITE}/graphs/api.png" ${rel}>the graph</a></p>`);
    expect(markdownToText('![the graph](/graphs/api.png)', { siteUrl: SITE })).toBe(`the graph (${SITE}/graphs/api.png)`);
    // Never an image, and an address the links refuse leaves the alt text alone; typed <img> HTML is still dropped.
    expect(renderMarkdown('![x](data:image/svg+xml;base64,PHN2Zz4=)')).toBe('<p>x</p>');
    // A pasted screenshot with no alt text: a word, not its bytes.
    expect(renderMarkdown('![](data:image/png;base64,iVBORw0KGgo=)')).toBe('<p>image</p>');
    expect(markdownToText('![](data:image/png;base64,iVBORw0KGgo=)')).toBe('image');
    expect(renderMarkdown('![the graph](https://x.example/g.png) <img src="https://x.example/g.png">')).not.toContain('<img');
  });

  it("inside a link, is the link's name (its alt text, or else the link's address): one link, never a link in a link", () => {
    const rel = 'rel="nofollow noopener noreferrer"';
    const linked = '[![the graph](https://x.example/g.png)](https://x.example/dash)';
    expect(renderMarkdown(linked)).toBe(`<p><a href="https://x.example/dash" ${rel}>the graph</a></p>`);
    expect(markdownToText(linked)).toBe('the graph (https://x.example/dash)');
    // A badge with no alt text: the link says where it goes rather than nothing.
    const badge =
      'Build: [![](https://ci.example/badge.svg)](https://ci.example/runs) **and** [text ![x](https://x.example/y.png)](https://x.example/)';
    expect(renderMarkdown(badge)).toBe(
      `<p>Build: <a href="https://ci.example/runs" ${rel}>https://ci.example/runs</a> <strong>and</strong> <a href="https://x.example/" ${rel}>text x</a></p>`,
    );
    expect(markdownToText(badge)).toBe('Build: https://ci.example/runs and text x (https://x.example/)');
    // Inside emphasis inside the link too.
    const bold = '[**![graph](https://x.example/g.png)**](https://x.example/dash)';
    expect(renderMarkdown(bold)).toBe(`<p><a href="https://x.example/dash" ${rel}><strong>graph</strong></a></p>`);
    expect(markdownToText(bold)).toBe('graph (https://x.example/dash)');
  });
});

describe('markdownToText', () => {
  it('gives plain text without the tags the HTML keeps; others as typed, as the HTML shows them', () => {
    const text = markdownToText('**Down**: see [the docs](https://x.example) <script>alert(1)</script>\n\n- a & b');
    expect(text).toBe('Down: see the docs (https://x.example) <script>alert(1)</script>\n\n- a & b');
  });

  it('keeps line breaks, paragraph breaks and quoted lines', () => {
    expect(markdownToText('Payments are delayed.\nWe expect recovery by noon.')).toBe('Payments are delayed.\nWe expect recovery by noon.');
    expect(markdownToText('Line one\nLine two\n\nNext paragraph')).toBe('Line one\nLine two\n\nNext paragraph');
    expect(markdownToText('From our provider:\n\n> quoted\n> more')).toBe('From our provider:\n\n> quoted\n> more');
    expect(markdownToText('# Title\n\nText')).toBe('Title\n\nText');
  });

  it('makes a typed <br> a line break, drops the typed tags the HTML keeps, and shows others as typed', () => {
    expect(markdownToText('Call us at<br>555')).toBe('Call us at\n555');
    expect(markdownToText('Call us at <br/>555 or<BR />556')).toBe('Call us at\n555 or\n556');
    expect(markdownToText('<div>Block<br>html</div>\n\nafter')).toBe('<div>Block\nhtml</div>\n\nafter');
    expect(markdownToText('Some <b>bold</b> words')).toBe('Some bold words');
  });

  it('keeps the numbers of ordered lists, and nests lists under their item', () => {
    expect(markdownToText('1. a\n2. b')).toBe('1. a\n2. b');
    expect(markdownToText('3. c\n4. d')).toBe('3. c\n4. d');
    expect(markdownToText('1. a\n   - x\n   - y\n2. b')).toBe('1. a\n   - x\n   - y\n2. b');
    expect(markdownToText('- [x] done\n- [ ] not yet')).toBe('- [x] done\n- [ ] not yet');
  });

  it('keeps the URL of a link after its text, once, and only for the schemes the HTML links', () => {
    expect(markdownToText('[link](https://x)')).toBe('link (https://x)');
    expect(markdownToText('See [the status](https://s.example/x?a=1&b=2).')).toBe('See the status (https://s.example/x?a=1&b=2).');
    expect(markdownToText('[https://x.example](https://x.example)')).toBe('https://x.example');
    expect(markdownToText('<https://x.example/a> or https://y.example')).toBe('https://x.example/a or https://y.example');
    expect(markdownToText('[Write to us](mailto:ops@example.com) or <ops@example.com>')).toBe(
      'Write to us (ops@example.com) or ops@example.com',
    );
    expect(markdownToText('[Call support](tel:+1-800-555-0100)')).toBe('Call support (+1-800-555-0100)');
    expect(markdownToText('[click](javascript:alert(1))')).toBe('click');
    // The banner's one line leaves them out.
    expect(markdownToText('[link](https://x)\nnext', { urls: false })).toBe('link\nnext');
  });

  it('is text, not HTML: markup-like text stays as typed, entities are decoded once', () => {
    expect(markdownToText('a < b && c > d, `x &amp; <y>`')).toBe('a < b && c > d, x &amp; <y>');
    expect(markdownToText('a &amp; b &lt;i&gt; x <b')).toBe('a & b <i> x <b');
    expect(markdownToText('<img src=x onerror=alert(1)>ok <iframe src="https://e.example"></iframe>')).toBe(
      '<img src=x onerror=alert(1)>ok <iframe src="https://e.example"></iframe>',
    );
  });
});

// From a hunt: a tag whose content HTML reads as raw text (textarea, style, script, title, xmp), dropped by the
// sanitizer, took everything after it with it: "Forms with a <textarea> fail…" lost its estimate, in every output.
describe('tags typed in prose', () => {
  it.each(['textarea', 'style', 'script', 'title', 'xmp', 'option', 'service-name', 'textarea/x', 'style/a'])(
    '<%s> is shown as typed, and the rest is kept',
    (tag) => {
      const body = `Forms with a <${tag}> fail to submit.\n\nA fix is expected by 14:00 UTC.`;
      expect(renderMarkdown(body)).toBe(`<p>Forms with a &lt;${tag}&gt; fail to submit.</p>\n<p>A fix is expected by 14:00 UTC.</p>`);
      expect(markdownToText(body)).toBe(body);
    },
  );
});

// From a hunt: "The API returns <!DOCTYPE html> instead of JSON" lost its quote in every output.
describe('a declaration, processing instruction or CDATA section typed in prose', () => {
  it.each(['<!DOCTYPE html>', '<?xml version="1.0"?>', '<![CDATA[x]]>', '<!ELEMENT br EMPTY>'])('%s is shown as typed', (typed) => {
    const inline = `The API returns ${typed} instead of JSON.`;
    expect(markdownToText(inline)).toBe(inline);
    const html = renderMarkdown(inline);
    assertInert(html);
    expect(html).toContain(`The API returns ${typed.replace(/</g, '&lt;').replace(/>/g, '&gt;')} instead`);
    const block = `${typed}\n\nis what clients get.`;
    expect(markdownToText(block)).toBe(`${typed}\n\nis what clients get.`);
  });

  it('a comment stays hidden, as its writer meant', () => {
    expect(renderMarkdown('Fixed <!-- by Sam --> at 14:00.')).toBe('<p>Fixed  at 14:00.</p>');
  });
});

describe('Markdown nested deeper than marked can read (a second hostile review)', () => {
  // 20,000 `>`: within the body limit, far past the depth at which marked's recursive reading runs out of stack.
  const deep = `${'>'.repeat(20_000)} <b>still</b> & here`;

  it('is measured without running out of stack: too deep to read is Infinity, ordinary nesting a few levels', () => {
    expect(markdownDepth(deep)).toBe(Number.POSITIVE_INFINITY);
    expect(markdownDepth('- a\n  - b\n    - c')).toBeLessThanOrEqual(MAX_MARKDOWN_DEPTH);
    expect(markdownDepth('> **[See](https://example.com) _this_**')).toBeLessThanOrEqual(MAX_MARKDOWN_DEPTH);
    expect(markdownDepth('>'.repeat(MAX_MARKDOWN_DEPTH + 1))).toBeGreaterThan(MAX_MARKDOWN_DEPTH);
  });

  it('stored before input was held to a depth, it still renders: as its text, escaped, never an exception', () => {
    const html = renderMarkdown(deep);
    assertInert(html);
    expect(html).toMatch(/^<p>(&gt;)+ &lt;b&gt;still&lt;\/b&gt; &amp; here<\/p>$/);
    expect(markdownToText(deep)).toMatch(/^>+ <b>still<\/b> & here$/);
  });
});
