/** Unicode's sentence breaks (UAX #29), as ICU finds them: "e.g. timeouts" or "U.S. customers" go on. */
const SENTENCES = new Intl.Segmenter('en', { granularity: 'sentence' });

/**
 * A title before a name ("Mr. Smith"), which Unicode's rules end a sentence at: ICU's list of such
 * abbreviations (its `ss` keyword) is not in V8's Intl, so "Mr." alone was a banner's whole message.
 * Capitalized, as before a name: "500 ms." or "MT." ends a sentence.
 */
const TITLE = /^(?:Mr|Mrs|Ms|Mx|Dr|Prof|St|Mt|Fig|Vol|approx|vs)\.$/;

/**
 * Abbreviations that a capital often follows inside a sentence: dotted letters ("e.g. Enterprise",
 * "U.S. East", "11 a.m. UTC") and a company's suffix ("Acme Inc. Payments"). Unicode's rules end a
 * sentence there, and the banner read "Some customers (e.g.". Read on: where one did end a sentence
 * ("… at 10 a.m. We are …"), two sentences read whole, where a cut there reads as nonsense.
 */
const READS_ON = /^(?:(?:[A-Za-z]\.){2,}|(?:Inc|Corp|Ltd|Co|No|cf|viz|incl|esp)\.)$/;

/** More brackets opened than closed: a sentence does not end inside "(e.g. …)". */
const open = (s: string): boolean => (s.match(/[([]/g)?.length ?? 0) > (s.match(/[)\]]/g)?.length ?? 0);

/**
 * The first sentence of a plain text, whitespace collapsed: "We have identified the issue affecting
 * Dashboard and are working on a fix." A sentence ends at . ! or ? before a space, unless what follows
 * reads on (a lowercase word after an abbreviation, a name after a title, anything after a dotted
 * abbreviation or inside brackets).
 */
export function firstSentence(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  let first = '';
  for (const { segment } of SENTENCES.segment(flat)) {
    first += segment;
    const lastWord = (first.trimEnd().split(' ').at(-1) ?? '').replace(/^[("'“‘[]+/, '');
    // ICU also ends one at a ? or ! inside an address ("…/search?q=shoes", "example.com/faq!x"); in text
    // spaced as English is, a sentence that ends at . ! or ? has a space after it (。 needs none).
    const inAWord = /[.!?]$/.test(segment);
    if (!TITLE.test(lastWord) && !READS_ON.test(lastWord) && !open(first) && !inAWord) break;
  }
  return first ? first.trim() : flat;
}
