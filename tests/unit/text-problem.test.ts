import { describe, expect, it } from 'vitest';
import { textProblem } from '../../src/domain/text.ts';
import { updateCreateSchema } from '../../src/input/schemas.ts';

/**
 * A control character in a body is drawn as nothing: "must not contain control characters" left the Comms
 * Lead searching a long update for one (Word's Shift+Enter pastes a vertical tab). The refusal names it and
 * its line. Found by a keyboard review of the console.
 */
describe('why a multi-line text is refused', () => {
  it('names the first character at fault and its line, counting CR LF and a lone CR as one break each', () => {
    expect(textProblem('Pasted from Word\u000bline two')).toBe(
      'must not contain a vertical tab (a line break pasted from Word) (U+000B): there is one on line 1',
    );
    expect(textProblem('one\r\ntwo\rthree\n\u0007')).toBe('must not contain a bell character (U+0007): there is one on line 4');
    expect(textProblem('a\n\u0001')).toBe('must not contain a control character (U+0001): there is one on line 2');
    expect(textProblem('a\n\n\ufdd0')).toBe('must not contain a noncharacter (U+FDD0): there is one on line 3');
    expect(textProblem('\ud800')).toBe('must not contain broken Unicode (a lone surrogate): there is one on line 1');
  });

  it('is what an update refused for one says', () => {
    const parsed = updateCreateSchema.safeParse({ status: 'identified', body: 'Line one.\nLine two\u000c.' });
    expect(parsed.success).toBe(false);
    // Before: "body must not contain control characters or broken Unicode (a lone surrogate, a noncharacter)".
    expect(parsed.error!.issues[0]!.message).toBe('body must not contain a form feed (a page break) (U+000C): there is one on line 2');
  });
});
