import { MAX_TOKEN_LENGTH } from '../auth/sessions.ts';

/**
 * What every id Herald makes is written with: letters, digits, `_` and `-`
 * (random and daily ids, component slugs, channels' `chn_…`, the console's
 * base64url tokens and draft ids) and `.` (a delivery's id is its
 * subscriber's and its notice's, joined by dots).
 */
const SAFE_ID = /^[A-Za-z0-9_.-]{1,100}$/;

/**
 * Whether `id` could name something Herald keeps. Anything else (a forged
 * cookie, a NUL byte PostgreSQL cannot even hold in text) is nobody's: the
 * caller answers as for an unknown id without looking it up, so it never
 * reaches SQL and both engines answer alike.
 */
export const validId = (id: string | null | undefined): id is string =>
  typeof id === 'string' && id.length <= MAX_TOKEN_LENGTH && SAFE_ID.test(id);
