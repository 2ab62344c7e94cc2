import type { FieldErrors } from '../forms.ts';

/**
 * What a console action did: where to send the Comms Lead next (a 303, so a
 * reload does not post again), or why it refused, with a message per form
 * field for the page to show beside its input.
 */
export type ActionResult = { ok: true; redirect: string } | { ok: false; status: number; errors: FieldErrors };

export const done = (redirect: string): ActionResult => ({ ok: true, redirect });
export const refused = (status: number, errors: FieldErrors): ActionResult => ({ ok: false, status, errors });
