import { describe, expect, it } from 'vitest';
import { markdownToText, renderMarkdown } from '../../src/render/markdown.ts';
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
