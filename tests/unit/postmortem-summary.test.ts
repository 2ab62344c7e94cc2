import { describe, expect, it } from 'vitest';
import { summarySection } from '../../src/render/postmortem-summary.ts';

describe('summarySection: what a postmortem email quotes', () => {
  it('the Summary section up to the next heading of its level, a subheading and a code block with "#" lines inside it', () => {
    const body = [
      '# Postmortem',
      '',
      '## Summary',
      '',
      'A bad deploy.',
      '',
      '### Impact',
      '',
      '5 % of card payments failed.',
      '',
      '```',
      '# not a heading',
      '```',
      '',
      '## Root cause',
      '',
      'An expired certificate.',
    ].join('\n');
    expect(summarySection(body)).toBe(
      ['A bad deploy.', '', '### Impact', '', '5 % of card payments failed.', '', '```', '# not a heading', '```'].join('\n'),
    );
  });

  it('none: no Summary heading, or nothing under it', () => {
    expect(summarySection('## Root cause\n\nAn expired certificate.')).toBeNull();
    expect(summarySection('## Summary\n\n## Root cause\n\nAn expired certificate.')).toBeNull();
  });
});
