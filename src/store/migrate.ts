/**
 * Upgrades a data file read from disk to the current schema, step by step, as
 * plain JSON before validation. The upgraded data is written back by the next
 * write (Herald writes once at start when it migrated), so a file is migrated
 * once; data from a newer Herald is left alone and refused (NewerData).
 */
import { DB_SCHEMA_VERSION } from '../domain/model.ts';
import { DEFAULT_SETTINGS } from '../domain/settings.ts';

type Json = Record<string, unknown>;

const steps: Record<number, (db: Json) => Json> = {
  // 1 → 2: maintenance windows leave the incidents list for their own, each record says its kind.
  1: (db) => {
    const records = (db.incidents as Json[] | undefined) ?? [];
    const incidents: Json[] = [];
    const maintenances: Json[] = [];
    for (const r of records) {
      if (r.impact === 'maintenance') {
        const { impact: _i, monitoring_at: _m, postmortem: _p, ...rest } = r;
        maintenances.push({ kind: 'maintenance', reminded_at: null, cancelled_at: null, sequence: 0, ...rest });
      } else {
        const {
          scheduled_for: _f,
          scheduled_until: _u,
          auto_transitions: _a,
          reminded_at: _r,
          cancelled_at: _c,
          sequence: _s,
          ...rest
        } = r;
        incidents.push({ kind: 'incident', ...rest });
      }
    }
    return { ...db, schema_version: 2, incidents, maintenances };
  },
  // 2 → 3: the severity scheme becomes settings; each incident keeps the default level of its impact.
  2: (db) => {
    const byImpact = new Map(DEFAULT_SETTINGS.severities.map((l) => [l.impact, l]));
    const incidents = ((db.incidents as Json[] | undefined) ?? []).map((i) => ({
      ...i,
      severity: byImpact.get(i.impact as 'critical') ?? null,
      eta: null,
      root_cause: null,
      resolution: null,
      prevention: null,
      late_notice_at: null,
      email_declined: false,
      postmortem: i.postmortem ? { notify: false, ...(i.postmortem as Json) } : null,
    }));
    return { ...db, schema_version: 3, settings: DEFAULT_SETTINGS, incidents };
  },
  // 3 → 4: channels (Slack, Teams, webhooks); incidents name their commander and war room.
  3: (db) => {
    const incidents = ((db.incidents as Json[] | undefined) ?? []).map((i) => ({ commander: null, war_room: null, ...i }));
    return { ...db, schema_version: 4, channels: [], incidents };
  },
  // 4 → 5: nothing to convert. The optional fields of the incident withdrawal (the db's `withdrawn`, an affected
  // component's `removed`, a window update's `window`) came with it: a Herald of version 4 would strip them.
  4: (db) => ({ ...db, schema_version: 5 }),
  // 5 → 6: nothing to convert. A window's optional `notify_steps` came with it: a Herald of version 5 would strip it.
  5: (db) => ({ ...db, schema_version: 6 }),
  // 6 → 7: nothing to convert. An incident update's optional `eta` (the estimate it gave, which a war-room message
  // sent late tells) and a declaration's `commander: null` came with it, and a window update's step `shortened`:
  // a Herald of version 6 would strip the first and refuse the others.
  6: (db) => ({ ...db, schema_version: 7 }),
  // 7 → 8: nothing to convert. An idempotency record's optional `event` (the id an admin answer showed, kept in
  // place of that answer) came with it: a Herald of version 7 would strip it and replay `null`.
  7: (db) => ({ ...db, schema_version: 8 }),
};

/**
 * Data a newer Herald wrote (a rolling upgrade rolled back, or an older replica started beside newer ones):
 * this one would misread it, and restoring a backup or starting empty, what a damaged file calls for, would lose
 * it. The answer is to run the newer Herald (NEWER_REMEDY).
 */
export class NewerData extends Error {
  constructor(version: number) {
    super(`schema version ${version}, written by a newer Herald; this one reads version ${DB_SCHEMA_VERSION}`);
    this.name = 'NewerData';
  }
}

export const NEWER_REMEDY = 'Run that Herald or a newer one.';

/** The data in the current schema, and whether anything had to change. Throws NewerData for a later schema. */
export function migrate(raw: unknown): { data: unknown; migrated: boolean } {
  let db = raw as Json;
  if (db && typeof db === 'object' && typeof db.schema_version === 'number' && db.schema_version > DB_SCHEMA_VERSION) {
    throw new NewerData(db.schema_version);
  }
  let migrated = false;
  while (db && typeof db === 'object' && typeof db.schema_version === 'number' && steps[db.schema_version]) {
    db = steps[db.schema_version]!(db);
    migrated = true;
  }
  return { data: db, migrated };
}
