import type { Db, Maintenance, MaintenanceUpdate } from '../domain/model.ts';
import type { VerbContext } from '../domain/context.ts';
import { scheduleMaintenance, type ScheduleInput } from '../domain/maintenance/schedule.ts';
import { madeUnder, remember } from '../domain/once.ts';
import type { DraftAction, DraftOnce } from '../publish/preview.ts';
import type { ScheduleValues } from './actions/maintenance.ts';
import type { Draft } from '../store/console/port.ts';

/**
 * A maintenance window previewed from the schedule form and kept for "Publish now": the verb's input, and the
 * form's values as typed, which "Back to edit" shows again. `once` is the form's, as an incident draft's is
 * (publish/preview.ts DraftOnce): its publish is recorded under its keys, so the same form previewed again, or
 * posted with "Schedule maintenance", finds the window instead of scheduling a second.
 */
export interface ScheduleDraft {
  kind: 'schedule';
  input: ScheduleInput;
  values: ScheduleValues;
  once?: DraftOnce;
}

/** What the console keeps between a preview and its publish: an incident's declare or update, or a window. */
export type ConsoleDraftAction = DraftAction | ScheduleDraft;

export const isScheduleDraft = (action: ConsoleDraftAction): action is ScheduleDraft => action.kind === 'schedule';

/** Where "Back to edit" leads from a window's preview: the schedule form, filled in from the draft. */
export const scheduleEditHref = (draftId: string): string => `/admin/maintenance?draft=${encodeURIComponent(draftId)}#new-title`;

/** A window scheduled on a copy of the data (the preview): what the page and the email would show. */
export interface ScheduleRun {
  db: Db;
  window: Maintenance;
  update: MaintenanceUpdate;
}

/** Runs the schedule verb on `ctx` (a copy, for a preview). Throws the verb's HeraldError. */
export function scheduleOn(ctx: VerbContext, input: ScheduleInput): ScheduleRun {
  const window = scheduleMaintenance(ctx, input);
  return { db: ctx.db, window, update: window.updates[0]! };
}

/** The window its form's keys published already (another preview or a submit of the same form), or null. */
export function scheduledUnder(db: Db, action: ScheduleDraft, now: Date): string | null {
  for (const key of action.once?.keys ?? []) {
    const made = madeUnder(db, key, now);
    if (made) return (made.response as { id: string }).id;
  }
  return null;
}

/**
 * Publishes schedule draft `draftId` once: the window's id, the one scheduled before when a write under the
 * draft's key or its form's is in the document already (a publish never confirmed, tried again; the same form
 * previewed or submitted twice). Recorded as the schedule form's own submit records it ({ id }).
 */
export function scheduleOnce(ctx: VerbContext, draftId: string, action: ScheduleDraft): string {
  const own = `console draft ${draftId}`;
  const mine = madeUnder(ctx.db, own, ctx.now);
  if (mine) return (mine.response as { id: string }).id;
  const earlier = scheduledUnder(ctx.db, action, ctx.now);
  if (earlier) return earlier;
  const window = scheduleMaintenance(ctx, action.input);
  for (const key of [own, ...(action.once?.keys ?? [])])
    remember(ctx, { key, request_hash: 'console form', status: 200, response: { id: window.id } });
  return window.id;
}

/** A kept draft as an incident's (a declare or an update), or null for a window's. */
export const incidentDraft = (draft: Draft<ConsoleDraftAction> | null): Draft<DraftAction> | null =>
  draft && !isScheduleDraft(draft.action) ? (draft as Draft<DraftAction>) : null;
