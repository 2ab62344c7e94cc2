import type { Herald } from '../herald.ts';
import { notifyOf } from './registry.ts';

/**
 * How many confirmed subscribers a notice about these components would reach
 * (subscribers of one of them, or of everything; no component = everyone).
 * 0 when the email feature is not running. Used by the admin preview.
 */
export function countRecipients(herald: Herald, componentIds: string[]): number {
  return notifyOf(herald)?.countRecipients(componentIds) ?? 0;
}
