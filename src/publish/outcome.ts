import type { Db, Incident, IncidentUpdate } from '../domain/model.ts';
import type { Impact } from '../domain/status.ts';
import { impactText } from '../domain/status.ts';
import { heldBackFor, levelOf } from '../domain/policy.ts';
import { cadenceText, everyText } from '../domain/words.ts';
import { settingsVersion } from '../read/settings-version.ts';

/**
 * What a preview told the Comms Lead that the severity settings decide, not the form: whether this
 * update emails, the incident's impact, the cadence its text promises, and the disruption notice a
 * level holds back. A box left as shown lets the level decide at the publish, so a level edited (or a
 * scheme switched) between the preview and the publish would otherwise send what the preview said
 * it would not, or the other way round. `settings` is the settings' version then (the API's ETag),
 * only to say why: a settings change that leaves all of this as it was refuses nothing.
 */
export interface DraftOutcome {
  notify: boolean;
  impact: Impact;
  /** The update cadence of the incident's level, in minutes (null: none, or resolved). */
  every: number | null;
  /** Minutes after its start that the level holds its disruption notice back for (null: it holds none back). */
  lateAfter: number | null;
  settings: string;
  /**
   * The incident's id as the preview named it (its page block, its email's "Incident reference:"). Not compared: a
   * declare's is the next free one, which an unrelated incident declared meanwhile takes (that refuses nothing); the
   * publish then says the reference it got instead. Absent in a draft saved before it was recorded.
   */
  incident?: string;
}

/** The outcome of the verb just run on `db` (before the timer's late notices, which the publish leaves to the timer). */
export function outcomeOf(db: Db, incident: Incident, update: IncidentUpdate): DraftOutcome {
  const level = levelOf(db.settings, incident);
  return {
    notify: update.notify,
    impact: incident.impact,
    every: incident.resolved_at ? null : (level?.update_every_minutes ?? null),
    // The level's, not whether it is still owed: the notice going out meanwhile, as the preview said it would,
    // changes nothing the preview told.
    lateAfter: heldBackFor(db.settings, incident),
    settings: settingsVersion(db.settings),
    incident: incident.id,
  };
}

const every = (m: number | null) => (m === null ? 'no update cadence' : `updates ${everyText(m)}`);
const later = (m: number | null) => (m === null ? 'no disruption notice later' : `a disruption notice if it lasts ${cadenceText(m)}`);

/** How publishing now would differ from what the preview said, in words; empty when it would not. */
export function outcomeChanges(previewed: DraftOutcome, now: DraftOutcome): string[] {
  const changes: string[] = [];
  if (previewed.notify !== now.notify)
    changes.push(
      now.notify
        ? 'it would email subscribers, where the preview said no email'
        : 'it would email no one, where the preview said subscribers would be emailed',
    );
  if (previewed.impact !== now.impact)
    changes.push(`it would have ${impactText(now.impact).toLowerCase()}, not ${impactText(previewed.impact).toLowerCase()}`);
  if (previewed.every !== now.every) changes.push(`it would promise ${every(now.every)}, not ${every(previewed.every)}`);
  if (previewed.lateAfter !== now.lateAfter)
    changes.push(`subscribers would get ${later(now.lateAfter)}, not ${later(previewed.lateAfter)}`);
  return changes;
}
