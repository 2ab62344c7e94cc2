import { findEvent, type Db, type Maintenance, type MaintenanceUpdate } from '../domain/model.ts';
import type { VerbContext } from '../domain/context.ts';
import { scheduleMaintenance, type ScheduleInput } from '../domain/maintenance/schedule.ts';
import { noteMaintenance } from '../domain/maintenance/transitions.ts';
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
  /** The reference its preview gave the window (MNT-…, in its email too): one scheduled since may take it. */
  previewedId?: string;
}

/** A note on a window previewed from its page's **Post a note** (with "Email subscribers" ticked or not). */
export interface NoteDraft {
  kind: 'note';
  maintenanceId: string;
  input: { body: string; notify: boolean };
  /** The note form's one-time key, which "Back to edit" draws it with again. */
  formKey: string;
  once?: DraftOnce;
}

/** A window's draft: its schedule, or a note on it. */
export type WindowDraft = ScheduleDraft | NoteDraft;

/** What the console keeps between a preview and its publish: an incident's declare or update, or a window's. */
export type ConsoleDraftAction = DraftAction | WindowDraft;

export const isWindowDraft = (action: ConsoleDraftAction): action is WindowDraft => action.kind === 'schedule' || action.kind === 'note';

/** Where "Back to edit" leads from a window's preview: its form, filled in from the draft. */
export const windowEditHref = (draftId: string, action: WindowDraft): string =>
  action.kind === 'schedule'
    ? `/admin/maintenance?draft=${encodeURIComponent(draftId)}#new-title`
    : `/admin/incidents/${encodeURIComponent(action.maintenanceId)}?draft=${encodeURIComponent(draftId)}#note-title`;

/** A window's draft run on a copy of the data (the preview): what the page and the email would show. */
export interface WindowRun {
  db: Db;
  window: Maintenance;
  /** The update it adds: the window's first (its schedule), or the note. */
  update: MaintenanceUpdate;
}

/** Runs a window draft's verb on `ctx` (a copy, for a preview). Throws the verb's HeraldError. */
export function runWindowDraft(ctx: VerbContext, action: WindowDraft): WindowRun {
  const window = findEvent(ctx.db, applyWindowDraft(ctx, action)) as Maintenance;
  return { db: ctx.db, window, update: window.updates.at(-1)! };
}

/** The window its form's keys published already (another preview or a submit of the same form), or null. */
export function publishedUnder(db: Db, action: WindowDraft, now: Date): string | null {
  for (const key of action.once?.keys ?? []) {
    const made = madeUnder(db, key, now);
    if (made) return (made.response as { id: string }).id;
  }
  return null;
}

/** Runs a window draft's verb: the window scheduled, or the note posted on it. Its window's id. */
function applyWindowDraft(ctx: VerbContext, action: WindowDraft): string {
  if (action.kind === 'schedule') return scheduleMaintenance(ctx, action.input).id;
  return noteMaintenance(ctx, action.maintenanceId, action.input).maintenance.id;
}

/**
 * Publishes window draft `draftId` once: its window's id, found again when a write under the draft's key or its
 * form's is in the document already (a publish never confirmed, tried again; the same form previewed or submitted
 * twice). Recorded as the form's own submit records it ({ id }: console/form-once.ts makeOnce).
 */
export function publishWindowDraft(ctx: VerbContext, draftId: string, action: WindowDraft): string {
  const own = `console draft ${draftId}`;
  const mine = madeUnder(ctx.db, own, ctx.now);
  if (mine) return (mine.response as { id: string }).id;
  const earlier = publishedUnder(ctx.db, action, ctx.now);
  if (earlier) return earlier;
  const id = applyWindowDraft(ctx, action);
  for (const key of [own, ...(action.once?.keys ?? [])])
    remember(ctx, { key, request_hash: 'console form', status: 200, response: { id } });
  return id;
}

/** A kept draft as an incident's (a declare or an update), or null for a window's. */
export const incidentDraft = (draft: Draft<ConsoleDraftAction> | null): Draft<DraftAction> | null =>
  draft && !isWindowDraft(draft.action) ? (draft as Draft<DraftAction>) : null;
