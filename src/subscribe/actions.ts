import type { Herald } from '../herald.ts';
import { confirmationStanding, type Subscriber } from '../store/mail/model.ts';
import { HeraldError, Invalid, NotFound, RateLimited, Unavailable } from '../domain/errors.ts';
import { subscribeSchema } from '../input/subscribe.ts';
import { parseInput } from '../input/parse.ts';
import { httpStatus } from '../api/errors.ts';
import { UNAVAILABLE_RETRY_SECONDS } from '../http/error-pages.ts';
import { allRemoved, existingIds, followedNames } from '../domain/components/following.ts';
import { LinkTokens } from '../store/mail/tokens.ts';

/**
 * What the public subscription pages do with their forms (subscribe,
 * confirm, choose components). Each returns what its page shows and the
 * status to answer with; the pages render. Errors are Herald's own (a bad
 * address, a used-up rate limit, an invalid link); anything else is thrown on.
 */
export interface FormOutcome {
  status: number;
  error: string | null;
  /** The form field the error is about, for the page to mark and point at. */
  field?: string;
  retryAfter?: number;
}

/**
 * The API's message names its field ("email is not a valid address"); the
 * form says what to do, in the words of its label.
 */
function addressAdvice(message: string): string {
  if (/two dots in a row/.test(message)) return 'The part of the address before the @ has two dots in a row. Check the address.';
  if (/start or end with a dot/.test(message))
    return 'The part of the address before the @ cannot start or end with a dot. Check the address.';
  if (/before the @ must be at most/.test(message))
    return 'The part of the address before the @ can be at most 64 characters. Check the address.';
  if (/at most/.test(message)) return 'That address is longer than email addresses can be (254 characters). Check the address.';
  return 'Enter your email address in full, like name@example.com.';
}

const refused = (err: unknown): FormOutcome => {
  if (!(err instanceof HeraldError)) throw err;
  if (err instanceof RateLimited) {
    const minutes = Math.ceil(err.retryAfterSeconds / 60);
    // The day's cap on one address waits hours, not "1,312 minute(s)".
    const wait = minutes > 90 ? `${Math.ceil(minutes / 60)} hours` : `${minutes} minute(s)`;
    return { status: 429, error: `Too many requests. Please try again in ${wait}.`, retryAfter: err.retryAfterSeconds };
  }
  const retryAfter = err instanceof Unavailable ? (err.retryAfterSeconds ?? UNAVAILABLE_RETRY_SECONDS) : undefined;
  const field = err instanceof Invalid ? err.field : undefined;
  // The form offers only components that exist: one it names that does not was deleted since the page loaded.
  const message =
    field === 'email'
      ? addressAdvice(err.message)
      : field === 'components'
        ? 'A component you ticked was removed from this status page meanwhile. The list below is as it is now: check your choice and subscribe again.'
        : err.message;
  return { status: httpStatus(err), error: message, ...(field ? { field } : {}), ...(retryAfter ? { retryAfter } : {}) };
};

/** The subscribe form: the same rules and the same answer as `POST /api/subscribers`. */
export async function subscribeFromForm(
  herald: Herald,
  form: FormData,
  clientIp: string,
): Promise<FormOutcome & { email: string; chosen: string[] }> {
  const email = String(form.get('email') ?? '');
  const chosen = form.getAll('components').map(String);
  try {
    await herald.notify.subscribe(parseInput(subscribeSchema, { email, components: chosen }), clientIp);
    return { status: 200, error: null, email, chosen };
  } catch (err) {
    return { ...refused(err), email, chosen };
  }
}

export type ConfirmState = 'ask' | 'confirmed' | 'invalid' | 'expired' | 'replaced';

export interface ConfirmOutcome {
  state: ConfirmState;
  status: number;
  manage: string;
  /** The names of the components the link confirms (none: everything), for 'ask' and 'confirmed'. */
  components: string[];
  /** The components the email named have all been deleted since: the link confirms everything (follows()). */
  removed: boolean;
}

const dead = (state: ConfirmState, status: number): ConfirmOutcome => ({ state, status, manage: '', components: [], removed: false });
const INVALID = dead('invalid', 404);

/**
 * The confirmation link: a GET only asks (mail scanners follow links and
 * must not confirm anyone); the button's POST confirms, and its page sends
 * the browser back to the link (Post/Redirect/Get), whose GET then reads the
 * request confirmed. Either says which components it confirms: those of the
 * request the link was mailed for, which a request for other components
 * replaces (decideRequest).
 */
export async function confirmByLink(herald: Herald, token: string, post: boolean): Promise<ConfirmOutcome> {
  const book = herald.notify.subscribers;
  const s = await book.resolve('confirm', token);
  if (!s) return unconfirmable(herald, token);
  // What the link confirms, said as the manage page says it: a choice whose components were all deleted since
  // the email named them hears everything, which the page must say rather than read as a choice of everything.
  const choice = (x: Subscriber) => ({
    components: followedNames(x.components, herald.store.data),
    removed: allRemoved(x.components, herald.store.data),
  });
  if (!post) {
    const standing = confirmationStanding(s, herald.now());
    if (standing === 'expired') return dead('expired', 410);
    if (standing === 'unsubscribed') return INVALID;
    // Confirmed by this link (another request would have replaced it): the page the button's post leads to. Its
    // manage link is no more than pressing the button again would give whoever holds this one.
    if (standing === 'confirmed') return { state: 'confirmed', status: 200, manage: manageLink(herald, s), ...choice(s) };
    return { state: 'ask', status: 200, manage: '', ...choice(s) };
  }
  try {
    const confirmed = await book.confirm(token, herald.now());
    return { state: 'confirmed', status: 200, manage: manageLink(herald, confirmed), ...choice(confirmed) };
  } catch (err) {
    if (err instanceof Invalid) return dead('expired', 410);
    // Unsubscribed, or asked again for other components since the page was read (then its link was replaced).
    if (err instanceof NotFound) return (await book.resolve('confirm', token)) ? INVALID : unconfirmable(herald, token);
    throw err;
  }
}

const manageLink = (herald: Herald, s: Subscriber) => `/subscribe/manage/${herald.notify.subscribers.link('manage', s)}`;

/**
 * A link not signed over its subscriber's current request. One whose subscriber is still stored was most
 * likely mailed for an earlier request, which a later one replaced (other components, a day later, after
 * unsubscribing): its reader is told to use the newest email. A record keeps only its latest request, so
 * a link of it cut or mistyped looks the same: the page says that may be so too. Telling the two apart
 * says only that the record exists, to whoever holds a link naming its id (the one who was mailed).
 */
async function unconfirmable(herald: Herald, token: string): Promise<ConfirmOutcome> {
  const id = LinkTokens.subjectId(token);
  const named = id ? await herald.notify.subscribers.get(id) : undefined;
  return named ? dead('replaced', 410) : INVALID;
}

/** What the manage page's form did: saved the choice, or (an address not confirmed) asked it to confirm again. */
export interface ManageOutcome extends FormOutcome {
  subscriber: Subscriber | null;
  /** The address was sent a confirmation email for this choice (it was pending or unsubscribed). */
  asked: boolean;
  /** Ticked components removed from the page since it was loaded: left out of the choice. */
  dropped: number;
}

/**
 * The manage page's form: which components the subscriber hears about (none ticked = everything). A
 * confirmed address's choice is saved. One not confirmed (it unsubscribed, or never confirmed) gets no
 * notices whatever it chooses, so its form subscribes again, as the subscribe form does (a confirmation
 * email, the same limits), with this choice. A component deleted while the page was open is left out of
 * the choice, as deleting it leaves it out of every choice, rather than refusing the rest.
 */
export async function chooseComponents(herald: Herald, token: string, form: FormData, clientIp: string): Promise<ManageOutcome> {
  const book = herald.notify.subscribers;
  const ticked = [...new Set(form.getAll('components').map(String))];
  const known = existingIds(herald.store.data);
  const chosen = ticked.filter((c) => known.has(c));
  const dropped = ticked.length - chosen.length;
  const current = await book.resolve('manage', token);
  if (ticked.length > 200 || !current) {
    return { status: current ? 422 : 404, error: 'Unknown component.', field: 'components', subscriber: current, asked: false, dropped: 0 };
  }
  try {
    if (current.state !== 'confirmed') {
      await herald.notify.subscribe(parseInput(subscribeSchema, { email: current.email, components: chosen }), clientIp);
      return { status: 200, error: null, subscriber: await book.resolve('manage', token), asked: true, dropped };
    }
    return { status: 200, error: null, subscriber: await book.setComponents(token, chosen, herald.now()), asked: false, dropped };
  } catch (err) {
    return { ...refused(err), subscriber: await book.resolve('manage', token), asked: false, dropped: 0 };
  }
}
