import { describe, expect, it } from 'vitest';
import { MAX_MARKDOWN_DEPTH, markdownDepth, markdownToText, renderMarkdown } from '../../src/render/markdown.ts';
import { MARKDOWN_ATTACKS } from '../fixtures/markdown-attacks.ts';
import { assertInert } from '../helpers/inert.ts';

describe('renderMarkdown makes hostile Markdown inert', () => {
  it.each(MARKDOWN_ATTACKS)('%s', (_name, markdown) => {
    const html = renderMarkdown(markdown);
    assertInert(html);
    // The words may survive as text (harmless); never inside an attribute.
    expect(html).not.toMatch(/="[^"]*(javascript|vbscript|data):/i);
  });

  it('keeps the text around what it removes', () => {
    expect(renderMarkdown('Before <script>alert("x")</script> after')).toBe('<p>Before  after</p>');
    expect(renderMarkdown('[click](javascript:alert(1))')).toBe('<p><a rel="nofollow noopener noreferrer">click</a></p>');
  });
});

describe('renderMarkdown keeps what updates need', () => {
  it('renders emphasis, lists, code, line breaks and safe links', () => {
    const html = renderMarkdown(
      'We are **investigating** _slow_ requests.\nSecond line.\n\n- one\n- two\n\n`curl -v`\n\n[status](https://status.example.com/x?a=1&b=2) and <ops@example.com>',
    );
    expect(html).toContain('<strong>investigating</strong>');
    expect(html).toContain('<em>slow</em>');
    expect(html).toContain('<br />');
    expect(html).toContain('<li>one</li>');
    expect(html).toContain('<code>curl -v</code>');
    expect(html).toContain('<a href="https://status.example.com/x?a=1&amp;b=2" rel="nofollow noopener noreferrer">status</a>');
    expect(html).toContain('href="mailto:ops@example.com"');
    assertInert(html);
  });

  it("demotes headings below the page's own", () => {
    expect(renderMarkdown('# Big\n\n## Smaller')).toBe('<h3>Big</h3>\n<h4>Smaller</h4>');
  });

  it('escapes text that looks like markup', () => {
    expect(renderMarkdown('Use `a < b && c > d`')).toBe('<p>Use <code>a &lt; b &amp;&amp; c &gt; d</code></p>');
  });
});

describe('markdownToText', () => {
  it('gives plain text without tags or script content', () => {
    const text = markdownToText('**Down**: see [the docs](https://x.example) <script>alert(1)</script>\n\n- a & b');
    expect(text).toBe('Down: see the docs\n\n- a & b');
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
