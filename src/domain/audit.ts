import type { VerbContext } from './context.ts';
import { randomId } from './ids.ts';

/** Appends an audit event (who did what to which record, with the previous value). */
export function recordAudit(ctx: VerbContext, action: string, target: string, extra: { previous?: unknown; detail?: unknown } = {}): void {
  ctx.db.audit.push({ id: randomId(), at: ctx.now.toISOString(), actor: ctx.actor, action, target, ...extra });
}
