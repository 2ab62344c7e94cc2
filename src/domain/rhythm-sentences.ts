import { cadenceText, everyText } from './words.ts';

/**
 * The sentences the update templates (templates/updates/) state a level's update rhythm in, after their
 * opening sentence: "We will provide updates at least every 30 minutes." (investigating), "We will provide the
 * next update within 30 minutes." (identified, monitoring); without a cadence, "We will provide updates as
 * more information becomes available.".
 */
export function rhythmSentences(minutes: number | null): string[] {
  if (!minutes) return ['We will provide updates as more information becomes available.'];
  return [`We will provide updates at least ${everyText(minutes)}.`, `We will provide the next update within ${cadenceText(minutes)}.`];
}

// A span of time as cadenceText and everyText write one: "1 hour", "30 minutes", "2 days"; "every" alone with a unit.
const SPAN = String.raw`(?:1 (?:minute|hour|day|week)|\d+ (?:minutes|hours|days|weeks))`;
/**
 * Any of those sentences, for any cadence: a body filled for one level and re-graded to another still holds the
 * first level's, which no list of the current level's sentences names.
 */
const RHYTHM = new RegExp(
  String.raw`We will provide (?:the next update within ${SPAN}|updates at least every (?:minute|hour|day|week|${SPAN})|updates as more information becomes available)\.`,
  'g',
);

/** Whether a sentence is one a template states a rhythm in, of any level (word for word, nothing around it). */
export function isRhythmSentence(sentence: string): boolean {
  return [...sentence.matchAll(RHYTHM)].some((m) => m[0] === sentence);
}

/** The template rhythm sentences a text holds, of any level, in order (each as written). */
export function rhythmSentencesIn(text: string): string[] {
  return [...text.matchAll(RHYTHM)].map((m) => m[0]);
}
