import { randomBytes } from 'node:crypto';

/** An unguessable token (sessions, CSRF, drafts, the generated admin token). */
export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}
