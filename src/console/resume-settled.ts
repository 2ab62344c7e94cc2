import type { Herald } from '../herald.ts';
import { resumeSending, type ResumeAnswer } from '../notify/outbox-actions.ts';

/** How long the console's resume waits for the first send after it: longer, and the button seems stuck. */
const SETTLE_MS = 5000;
const POLL_MS = 50;

/**
 * Resumes sending (audited, as the API's resume) and waits, at most a few seconds, for the first send
 * after it to settle: a message sent or failed (fewer waiting, or a new last error), or sending paused
 * again. A relay that refuses every login pauses the queue again a moment after the resume; the page read
 * after the answer must say so, not "resumed". Past the bound (a slow relay) the answer is the resume's own.
 */
export async function resumeAndSettle(herald: Herald, actor: string): Promise<ResumeAnswer> {
  const { sending, outbox } = herald.notify;
  const lastError = sending.lastError;
  const waiting = await outbox.waiting();
  const answer = await resumeSending(herald, actor);
  if (answer.paused || waiting === 0) return answer;
  const deadline = Date.now() + SETTLE_MS;
  while (Date.now() < deadline) {
    if (sending.paused || sending.lastError !== lastError) break;
    if ((await outbox.waiting()) < waiting) break;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const now = sending.paused;
  return { paused: now !== null, paused_reason: now?.reason ?? null };
}
