import type { AuditEvent } from '../domain/model.ts';
import { maskedQuery } from '../domain/masked-address.ts';
import { actionLabel, actorLabel } from './audit-words.ts';

/** The audit page's search as typed: trimmed, any case, at most 100 characters. */
export function auditQuery(raw: string | null): string {
  return (raw ?? '').trim().toLowerCase().slice(0, 100);
}

/**
 * Which events a search finds: by who, the action (its code or its words), the record, the detail (a removed subscriber's
 * masked address among them) and the previous value, the only place a withdrawn incident's name, a deleted component's
 * or a corrected update's old text is kept. An address typed whole, or its local part, also finds its masked form,
 * so "user11999" finds the removal of "u…9@e….com".
 */
export function auditMatcher(q: string): (e: AuditEvent) => boolean {
  if (!q) return () => true;
  const masked = maskedQuery(q);
  return (e) => {
    // The words the page shows too ("Declared incident", "the admin token"), not only the codes.
    const words = `${actorLabel(e.actor)} ${actionLabel(e.action)}`;
    const kept = (v: unknown) => (v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));
    const text = `${e.actor} ${e.action} ${e.target} ${words} ${kept(e.detail)} ${kept(e.previous)}`.toLowerCase();
    return text.includes(q) || (masked !== null && text.includes(masked));
  };
}
