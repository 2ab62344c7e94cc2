import type { AuditEvent } from '../domain/model.ts';
import { maskedQuery } from '../domain/masked-address.ts';

/** The audit page's search as typed: trimmed, any case, at most 100 characters. */
export function auditQuery(raw: string | null): string {
  return (raw ?? '').trim().toLowerCase().slice(0, 100);
}

/**
 * Which events a search finds: by who, the action, the record and the detail (a removed subscriber's
 * masked address among them). An address typed whole, or its local part, also finds its masked form,
 * so "user11999" finds the removal of "us…99@example.com".
 */
export function auditMatcher(q: string): (e: AuditEvent) => boolean {
  if (!q) return () => true;
  const masked = maskedQuery(q);
  return (e) => {
    const text = `${e.actor} ${e.action} ${e.target} ${e.detail === undefined ? '' : JSON.stringify(e.detail)}`.toLowerCase();
    return text.includes(q) || (masked !== null && text.includes(masked));
  };
}
