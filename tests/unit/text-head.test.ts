import { describe, expect, it } from 'vitest';
import { headOf } from '../../src/domain/text.ts';
import { truncateText } from '../../src/read/banner.ts';
import { cut } from '../../src/domain/text.ts';

/**
 * Texts are cut to a length in several places (the banner's message, the email preheader, Slack and Teams
 * posts). A cut by UTF-16 code units can split an emoji in two: the half left over is a lone surrogate,
 * which JSON carries as `\ud83d` and email shows as U+FFFD. Found by a second hostile review.
 */
const grin = '\u{1F600}'; // two code units
const family = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}'; // one character a reader sees, eight code units
const flag = '\u{1F1EB}\u{1F1F7}'; // one flag, four code units

describe('headOf', () => {
  it('keeps text that fits as it is', () => {
    expect(headOf('short', 10)).toBe('short');
    expect(headOf(grin, 2)).toBe(grin);
  });

  it('never ends inside a surrogate pair, a joined emoji, a flag or a letter with its accent', () => {
    expect(headOf(`x${grin.repeat(3)}`, 4)).toBe(`x${grin}`);
    expect(headOf(`ab${family}`, 9)).toBe('ab');
    expect(headOf(`ab${flag}`, 5)).toBe('ab');
    expect(headOf('cafe\u0301 au lait', 4)).toBe('caf');
    for (let max = 0; max < 40; max++) expect(headOf(`${grin}${family}${flag}e\u0301`.repeat(2), max).isWellFormed()).toBe(true);
  });
});

describe('the cuts that use it', () => {
  const emoji = `x ${grin.repeat(200)}`;

  it("the banner's message stays well-formed", () => {
    for (const max of [10, 11, 120, 121]) {
      const message = truncateText(emoji, max);
      expect(message.isWellFormed()).toBe(true);
      expect(message.endsWith('…')).toBe(true);
      expect(message.length).toBeLessThanOrEqual(max);
    }
  });

  it('a Slack text stays well-formed', () => {
    for (const max of [11, 12, 3000, 3001]) expect(cut(emoji, max).isWellFormed()).toBe(true);
  });
});
