/**
 * Characters no stored text may hold. Control characters (C0, DEL, C1) would
 * appear raw in pages, the console, email headers and calendar lines; a
 * multi-line text (an update, a postmortem) keeps tab, LF and CR, a one-line
 * text (a name) keeps none of them.
 */
export const CONTROL_IN_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
export const CONTROL_IN_LINE = /[\u0000-\u001f\u007f-\u009f]/;
/**
 * Bidirectional embeddings, overrides and isolates: one turns the text after it around where it shows, a mail
 * subject included. Refused in a line given as input (a name, a title); bodies keep them, for right-to-left
 * writing, and data stored before this rule still loads.
 */
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;

const EMBEDDING = /[\u202a\u202b\u202d\u202e]/; // LRE RLE LRO RLO, each closed by PDF (U+202C)
const ISOLATE = /[\u2066-\u2068]/; // LRI RLI FSI, each closed by PDI (U+2069)

/**
 * `text` with every bidirectional embedding, override and isolate it opens closed at its end, as Unicode's
 * algorithm pairs them (UAX #9: a PDI closes its isolate and whatever was opened inside it; a PDF closes the
 * last embedding opened since the last open isolate). A line another program puts beside its own text (the
 * banner's message in an app) must not turn that text around: a body may hold a right-to-left override,
 * kept for right-to-left writing, and a cut (the banner's 280 characters) may leave one open.
 */
export function closedBidi(text: string): string {
  if (!BIDI_CONTROL.test(text)) return text;
  const open: string[] = [];
  for (const c of text) {
    if (EMBEDDING.test(c)) open.push('\u202c');
    else if (ISOLATE.test(c)) open.push('\u2069');
    else if (c === '\u202c' && open.at(-1) === '\u202c') open.pop();
    else if (c === '\u2069' && open.includes('\u2069')) open.length = open.lastIndexOf('\u2069');
  }
  return text + open.reverse().join('');
}

/**
 * `text` without bidirectional embeddings, overrides and isolates: for a message laid out among another
 * program's own words (a Slack or Teams message), where one would turn around what follows it, cut or not.
 * Right-to-left writing reads right without them.
 */
export const withoutBidi = (text: string): string => text.replace(/[\u202a-\u202e\u2066-\u2069]/g, '');

export const CONTROL_MESSAGE = 'must not contain control characters or broken Unicode (a lone surrogate, a noncharacter)';
/** cleanLine's refusal: it names the bidirectional controls too, which a body keeps (a name with one was told of control characters). */
export const LINE_MESSAGE =
  'must not contain control characters, bidirectional controls (U+202A–U+202E, U+2066–U+2069) or broken Unicode (a lone surrogate, a noncharacter)';

/**
 * Noncharacters of the Basic Multilingual Plane: Unicode keeps them out of interchange, XML 1.0 refuses
 * U+FFFE and U+FFFF (a feed with one is not well-formed), and mail shows them as boxes. A lone surrogate is
 * worse: JSON carries it as `\ud800`, which strict readers refuse, and a whole Statuspage document with it.
 */
const NONCHARACTER = /[\ufdd0-\ufdef\ufffe\uffff]/;
const wellFormed = (v: string) => v.isWellFormed() && !NONCHARACTER.test(v);

const NAMED: Record<string, string> = {
  '\u0000': 'a NUL character',
  '\u0007': 'a bell character',
  '\u0008': 'a backspace',
  '\u000b': 'a vertical tab (a line break pasted from Word)',
  '\u000c': 'a form feed (a page break)',
  '\u001b': 'an escape character',
  '\u007f': 'a delete character',
};
const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Why a multi-line text is refused, naming the first character at fault and its line: they are drawn as
 * nothing, so "must not contain control characters" left the Comms Lead searching a long body for one.
 */
export function textProblem(v: string): string {
  let line = 1;
  let i = 0;
  for (const c of v) {
    if (c === '\n') line++;
    const bad = CONTROL_IN_TEXT.test(c)
      ? `${NAMED[c] ?? 'a control character'} (${codePoint(c)})`
      : NONCHARACTER.test(c)
        ? `a noncharacter (${codePoint(c)})`
        : !c.isWellFormed()
          ? 'broken Unicode (a lone surrogate)'
          : null;
    // A lone CR ends a line as a browser sends it (CR LF is one break).
    if (c === '\r' && v[i + 1] !== '\n') line++;
    if (bad) return `must not contain ${bad}: there is one on line ${line}`;
    i += c.length;
  }
  return CONTROL_MESSAGE;
}

/** A one-line text fit to store (a name): no control character, no bidirectional control, no broken Unicode. */
export const cleanLine = (v: string): boolean => !CONTROL_IN_LINE.test(v) && !BIDI_CONTROL.test(v) && wellFormed(v);
/** A multi-line text fit to store (an update): tab and line breaks allowed, nothing else of the above. */
export const cleanText = (v: string): boolean => !CONTROL_IN_TEXT.test(v) && wellFormed(v);

/**
 * Characters drawn as nothing: a zero-width space, a soft hyphen, the Mongolian vowel separator, a word
 * joiner, a byte-order mark, the Braille and Hangul blanks; at the ends of a line they are cut like spaces
 * ("Svc\u200b" was another name than "Svc", and a name of them alone an untitled component). Not the
 * zero-width joiner and non-joiner: at a word's end they shape its last letter (Malayalam's chillu "ന്\u200d").
 */
const DRAWN_AS_NOTHING = '\u00ad\u180e\u200b\u2060\ufeff\u2800\u3164\u115f\u1160\uffa0';
const EDGES = new RegExp(`^[\\s${DRAWN_AS_NOTHING}]+|[\\s${DRAWN_AS_NOTHING}]+$`, 'gu');
/** A text with spaces and characters drawn as nothing cut from both ends. */
export const trimInvisible = (v: string): string => v.replace(EDGES, '');
/** Nothing a reader sees besides those: marks alone, formatting characters, the Braille and Hangul blanks. */
const BLANK = /[\s\p{Cf}\p{M}\u2800\u3164\u115f\u1160\uffa0]/gu;
/** Whether a text shows anything at all: one of blanks alone reads as empty. */
export const showsSomething = (v: string): boolean => v.replace(BLANK, '') !== '';

const characters = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * The longest start of `text` at most `max` UTF-16 code units long that ends between two characters as a
 * reader sees them: a cut by code units can split an emoji's surrogate pair (a lone surrogate, which JSON
 * carries as `\ud83d` and email shows as U+FFFD), or a flag, a family or an accented letter.
 */
export function headOf(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = 0;
  for (const { index, segment } of characters.segment(text)) {
    if (index + segment.length > max) break;
    end = index + segment.length;
  }
  return text.slice(0, end);
}

/** Cuts text to fit `max` UTF-16 code units, with an ellipsis; `more` (already in the target's markup) is appended when cut. */
export function cut(text: string, max: number, more = ''): string {
  if (text.length <= max) return text;
  const room = max - more.length - 2;
  const head = headOf(text, Math.max(0, room));
  // Cut at a word boundary when there is one in the last fifth; a long word is cut where it is.
  const atWord = head.replace(/\s+\S*$/, '');
  return `${atWord.length > head.length * 0.8 ? atWord : head}…${more ? ` ${more}` : ''}`;
}

/**
 * A limit's refusal, saying how long the text is: the console's fields carry no maxlength (a browser cuts pasted
 * text there without a word), so the Comms Lead learns here how much to cut.
 */
export const atMost = (label: string, max: number) => ({
  error: (issue: { input?: unknown }) =>
    `${label} must be at most ${max} characters (this has ${typeof issue.input === 'string' ? issue.input.length : '?'})`,
});
