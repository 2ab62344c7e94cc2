import type { Herald } from '../herald.ts';
import type { Notify } from './service.ts';

// Symbol.for: pages bundled by Astro load their own copy of this module and
// must still find the instance the server made, so it hangs off the Herald.
const KEY = Symbol.for('herald.notify');

/** The email feature of a Herald, if it was started (src/features.ts). */
export function notifyOf(herald: Herald): Notify | undefined {
  return (herald as unknown as Record<symbol, Notify | undefined>)[KEY];
}

export function registerNotify(herald: Herald, notify: Notify): void {
  (herald as unknown as Record<symbol, Notify>)[KEY] = notify;
}

/** The HTTP status of an error thrown by a domain verb (works across bundled copies of errors.ts). */
export function errorStatus(err: unknown): number {
  const status = (err as { status?: unknown }).status;
  return typeof status === 'number' ? status : 500;
}
