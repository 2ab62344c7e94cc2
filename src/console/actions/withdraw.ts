import type { Herald } from '../../herald.ts';
import type { ComponentStatus } from '../../domain/status.ts';
import type { Incident } from '../../domain/model.ts';
import { readWithdrawalSeen, withdrawIncident } from '../../domain/incidents/withdraw.ts';
import { restoreOnResolve } from '../../domain/incidents/lifecycle.ts';
import { INCIDENT_STATUS_LABEL } from '../../domain/status.ts';
import { closedBidi } from '../../domain/text.ts';
import { HeraldError } from '../../domain/errors.ts';
import { at } from '../format.ts';
import { incidentNoticeKeys } from '../email-said.ts';
import { updateExcerpt, whoWrote, withStop } from '../update-words.ts';
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
  // Read by key, however old its notices are (the outbox's newest may all be other incidents'). The outbox may
  // be out of reach (PostgreSQL down): the question is asked all the same, without the counts.
  const own = await herald.notify.outbox.noticesOf(incidentNoticeKeys(incident)).catch(() => null);
  return {
    restores,
    emailsSent: own ? own.reduce((n, i) => n + i.sent, 0) : null,
    emailsQueued: own ? own.reduce((n, i) => n + i.queued, 0) : null,
  };
}

/**
 * The confirmed "Withdraw" of an incident published in error (withdrawIncident). Posted again (a double
 * click, back and resubmit), it finds the incident withdrawn and answers as the first did. The
 * confirmation carries the incident's version it was shown at (`seen`, withdrawalSeen): a change made
 * since (a teammate's resolution, already emailed) refuses it (409), saying what changed, and the page
 * asks again with what withdrawing it does now.
 */
export async function withdrawAction(herald: Herald, actor: string, id: string, form: FormData): Promise<ActionResult> {
  const f = formFields(form);
  if (f.confirm !== '1') return refused(400, { form: 'Nothing was withdrawn: confirm with the button.' });
  // A form without the field (none of ours) is not checked.
  const seen = f.seen;
  try {
    await herald.run(actor, (ctx) => withdrawIncident(ctx, id, seen));
    return done(`/admin/incidents?withdrawn=${encodeURIComponent(id)}`);
  } catch (err) {
    const incident = herald.store.data.incidents.find((i) => i.id === id);
    if (err instanceof HeraldError && err.code === 'changed_since' && incident && seen !== undefined) {
      const changes = withStop(changedSince(herald, actor, incident, seen));
      return refused(409, {
        form: `Nothing was withdrawn: since this page was shown, ${changes} Check what withdrawing it does now, below, and confirm again if it should still go.`,
      });
    }
    const r = refusal(err, []);
    return refused(r.status, r.errors);
  }
}

/**
 * What was done to `incident` since `seen` (withdrawalSeen then), in a sentence's words: the newest update
 * posted, as the update form's refusal tells it, else the corrections and postmortem saves the audit log holds.
 */
function changedSince(herald: Herald, actor: string, incident: Incident, seen: string): string {
  const tz = herald.config.SITE_TIMEZONE;
  const who = (author: string) => whoWrote(author, actor);
  const said: string[] = [];
  const { updatedAt: since, noticeMarked } = readWithdrawalSeen(seen);
  const posted = incident.updates.filter((u) => u.created_at > since);
  const u = posted.at(-1);
  if (u) {
    const excerpt = updateExcerpt(u.body);
    const many =
      posted.length > 1 ? `${posted.length} updates were posted, the latest by ${who(u.author)}` : `${who(u.author)} posted an update`;
    const emailed = posted.some((p) => p.notify) ? ', emailed to subscribers' : '';
    said.push(`${many} (${INCIDENT_STATUS_LABEL[u.status]}, ${at(u.display_at, tz, herald.now())}${emailed})${excerpt}`);
  }
  const WORDS: Record<string, string> = {
    'incident.name.correct': `corrected its name to “${closedBidi(incident.name)}”`,
    'incident.update.correct': "corrected an update's text",
    'incident.postmortem': 'saved its postmortem',
  };
  for (const e of herald.store.data.audit) {
    const words = WORDS[e.action];
    if (words && e.at > since && (e.target === incident.id || e.target.startsWith(`${incident.id}/`)))
      said.push(`${who(e.actor)} ${words}`);
  }
  if (incident.late_notice_at !== null && !noticeMarked) said.push('its disruption notice went out to subscribers');
  return said.length ? [...new Set(said)].join('; ') : 'it was changed';
}
