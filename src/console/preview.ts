import type { Herald } from '../herald.ts';
import type { Db, Incident, IncidentUpdate } from '../domain/model.ts';
import type { VerbContext } from '../domain/context.ts';
import { declareIncident } from '../domain/incidents/declare.ts';
import { postUpdate } from '../domain/incidents/post-update.ts';
import type { DraftAction } from './drafts.ts';

/** What a draft would publish, computed by running the real verb on a copy of the data. */
export interface DraftResult {
  db: Db;
  incident: Incident;
  update: IncidentUpdate;
  /** Which notice subscribers would get, when the update notifies. */
  noticeKind: 'disruption' | 'update' | 'restoration' | null;
}

/** Runs a draft's verb: on the live data when publishing, on a copy when previewing. */
export function applyDraft(ctx: VerbContext, action: DraftAction): { incident: Incident; update: IncidentUpdate } {
  if (action.kind === 'declare') {
    const incident = declareIncident(ctx, action.input);
    return { incident, update: incident.updates.at(-1)! };
  }
  return postUpdate(ctx, action.incidentId, action.input);
}

/**
 * The preview: the same verb as publish, on a deep copy of the data, so the
 * page block, email and banner shown are exactly what publish would produce.
 * Throws the verb's HeraldError (unknown component, resolved incident, …).
 */
export function dryRun(herald: Herald, actor: string, action: DraftAction): DraftResult {
  const db = structuredClone(herald.store.data);
  const before = action.kind === 'update' ? db.incidents.find((i) => i.id === action.incidentId) : undefined;
  const wasResolved = before?.resolved_at != null;
  const { incident, update } = applyDraft({ db, now: herald.now(), actor }, action);
  let noticeKind: DraftResult['noticeKind'] = null;
  if (update.notify) {
    if (action.kind === 'declare') noticeKind = 'disruption';
    else if (incident.resolved_at && !wasResolved) noticeKind = 'restoration';
    else noticeKind = 'update';
  }
  return { db, incident, update, noticeKind };
}
