import { describe, expect, it } from 'vitest';
import { markBareLinks } from '../../src/render/bare-links.ts';
import { renderMarkdown } from '../../src/render/markdown.ts';

/** A link whose text is its address is marked, so that a printed page does not write the address twice. */
describe('markBareLinks', () => {
  const marked = (markdown: string) =>
    [...markBareLinks(renderMarkdown(markdown)).matchAll(/<a( class="bare")? href="([^"]*)"/g)].map((m) => [m[2], Boolean(m[1])]);

  it('marks a pasted URL, www address and email address, and no link named otherwise', () => {
    expect(marked('See https://grafana.example.com/d/x?a=1&b=2, www.example.com and ops@example.com.')).toEqual([
      ['https://grafana.example.com/d/x?a=1&amp;b=2', true],
      ['http://www.example.com', true],
      ['mailto:ops@example.com', true],
    ]);
    expect(
      marked('[the dashboard](https://grafana.example.com/d/x), [**https://x.example**](https://x.example) and [history](/history)'),
    ).toEqual([
      ['https://grafana.example.com/d/x', false],
      ['https://x.example', false],
      ['/history', false],
    ]);
  });

  it('keeps the link otherwise as it was', () => {
    const html = renderMarkdown('| Dashboard |\n|---|\n| https://e.example/q |');
    expect(markBareLinks(html)).toBe(html.replace('<a href=', '<a class="bare" href='));
  });
});
