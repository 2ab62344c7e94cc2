import type { Herald } from '../../herald.ts';
import type { ComponentStatus } from '../../domain/status.ts';
import type { Incident } from '../../domain/model.ts';
import { withdrawIncident } from '../../domain/incidents/withdraw.ts';
import { restoreOnResolve } from '../../domain/incidents/lifecycle.ts';
import { formFields, refusal } from '../forms.ts';
import { done, refused, type ActionResult } from './result.ts';

/** What the console says before an incident is withdrawn: what goes with it, and what cannot be called back. */
export interface WithdrawQuestion {
  /** Components it holds now, and the status each would go back to. */
  restores: Array<{ name: string; to: ComponentStatus }>;
  /** Emails already sent about it (null when the outbox could not be read). */
  emailsSent: number | null;
  /** Emails and channel posts still waiting for it: dropped. */
  emailsQueued: number | null;
}

/** Reads what withdrawing `incident` would undo and leave behind, for the confirmation step. */
export async function withdrawQuestion(herald: Herald, incident: Incident): Promise<WithdrawQuestion> {
  const db = herald.store.data;
  const restore = incident.resolved_at === null ? restoreOnResolve(herald.context('console'), incident, {}) : {};
  const restores = Object.entries(restore).map(([id, to]) => ({ name: db.components.find((c) => c.id === id)?.name ?? id, to }));
  // The outbox may be out of reach (PostgreSQL down): the question is asked all the same, without the counts.
  const notices = await herald.notify.outbox.notices(1000).catch(() => null);
  const own = notices?.filter((n) => n.incident === incident.id) ?? null;
  return {
    restores,
    emailsSent: own ? own.reduce((n, i) => n + i.sent, 0) : null,
    emailsQueued: own ? own.reduce((n, i) => n + i.queued, 0) : null,
  };
}

/**
 * The confirmed "Withdraw" of an incident published in error (withdrawIncident). Posted again (a double
 * click, back and resubmit), it finds the incident withdrawn and answers as the first did.
 */
export async function withdrawAction(herald: Herald, actor: string, id: string, form: FormData): Promise<ActionResult> {
  if (formFields(form).confirm !== '1') return refused(400, { form: 'Nothing was withdrawn: confirm with the button.' });
  try {
    await herald.run(actor, (ctx) => withdrawIncident(ctx, id));
    return done(`/admin/incidents?withdrawn=${encodeURIComponent(id)}`);
  } catch (err) {
    const r = refusal(err, []);
    return refused(r.status, r.errors);
  }
}
