import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { openHerald, type Herald } from '../../src/herald.ts';
import type { Db, Incident } from '../../src/domain/model.ts';
import { SEVERITY_SCHEMES } from '../../src/domain/severity-schemes.ts';
import { lateNoticeAt, levelOf, nextUpdateDue, postmortemDue, shouldNotify } from '../../src/domain/policy.ts';
import { DEFAULT_SETTINGS } from '../../src/domain/settings.ts';
import type { UpdateInput } from '../../src/domain/incidents/append-update.ts';
import { declareIncident, type DeclareInput } from '../../src/domain/incidents/declare.ts';
import { postUpdate } from '../../src/domain/incidents/post-update.ts';
import { applyLateNotices, dueLateNotices, nextLateNoticeAt } from '../../src/domain/incidents/late-notice.ts';
import { applyDueWork, hasDueWork, nextWorkAt } from '../../src/domain/timer.ts';
import { withdrawalSeen, withdrawIncident } from '../../src/domain/incidents/withdraw.ts';
import { outcomeChanges, outcomeOf } from '../../src/publish/outcome.ts';
import { threadRootKey, noticeIntents } from '../../src/notify/intents.ts';
import { ctx, db, T0 } from '../helpers/db.ts';
import { removeDir, tempDataDir } from '../helpers/server.ts';

/**
 * Levels that email subscribers only once an incident has lasted (the
 * 'sev1-sev3' runbook: "customers emailed when it lasts over an hour"): when
 * the disruption notice falls due, that the timer's verb marks it, that the
 * outbox then sees a `<id>:disruption` intent, and that the resolution is
 * emailed afterwards.
 */
const SCHEME = SEVERITY_SCHEMES.find((s) => s.id === 'sev1-sev3')!;
const at = (minutes: number) => T0.getTime() + minutes * 60_000;
const iso = (minutes: number) => new Date(at(minutes)).toISOString();
const OPTS = { reminderMinutes: 60 };

let d: Db;
beforeEach(() => {
  d = db([{ id: 'api' }]);
  d.settings.severities = structuredClone(SCHEME.levels);
});

const declare = (extra: Partial<DeclareInput> = {}, minutes = 0) =>
  declareIncident(ctx(d, minutes), {
    name: 'Checkout failures',
    severity: 'sev1',
    status: 'investigating',
    body: 'We are investigating.',
    components: { api: 'major_outage' },
    ...extra,
  });
const resolve = (id: string, minutes: number) => postUpdate(ctx(d, minutes), id, { status: 'resolved', body: 'Fixed.' }).update;

describe('lateNoticeAt under the sev1-sev3 scheme', () => {
  it('is the start plus 60 minutes for an open sev1 incident, whose first update emails nobody', () => {
    const inc = declare();
    expect(inc.updates[0]!.notify).toBe(false);
    expect(lateNoticeAt(d.settings, inc)).toBe(at(60));
    expect(nextLateNoticeAt(d, new Date(at(1)))).toBe(at(60));
    expect(dueLateNotices(d, new Date(at(59)))).toEqual([]);
    expect(dueLateNotices(d, new Date(at(60)))).toEqual([{ id: inc.id, at: at(60) }]);
  });

  it('counts from a backfilled start, not from when it was declared', () => {
    const inc = declare({ started_at: iso(-45) }, 0);
    expect(lateNoticeAt(d.settings, inc)).toBe(at(15));
  });

  it('is null once the incident is resolved', () => {
    const inc = declare();
    resolve(inc.id, 30);
    expect(lateNoticeAt(d.settings, inc)).toBeNull();
    expect(inc.updates.map((u) => u.notify)).toEqual([false, false]);
  });

  it('is null when the Comms Lead declared it with notify: false', () => {
    const inc = declare({ notify: false });
    expect(inc.email_declined).toBe(true);
    expect(lateNoticeAt(d.settings, inc)).toBeNull();
  });

  it('is null once subscribers were told: a first update sent with notify: true, or a late notice already due', () => {
    const told = declare({ notify: true });
    expect(told.updates[0]!.notify).toBe(true);
    expect(lateNoticeAt(d.settings, told)).toBeNull();
    const late = declare();
    late.late_notice_at = iso(60);
    expect(lateNoticeAt(d.settings, late)).toBeNull();
  });

  it('is null for a level that never emails (sev3)', () => {
    expect(lateNoticeAt(d.settings, declare({ severity: 'sev3' }))).toBeNull();
  });
});

// From a review: the timer marking the held-back notice between a confirmation (or a preview) and its
// submission changed what the withdrawal dropped unsaid, and refused a publish whose preview had said it.
describe('the timer marks the late notice between a question and its answer', () => {
  it('a withdrawal confirmed after it is refused: the confirmation said no email had gone out', () => {
    const inc = declare();
    const seen = withdrawalSeen(inc);
    expect(applyLateNotices(ctx(d, 61))).toEqual([inc.id]);
    expect(() => withdrawIncident(ctx(d, 62), inc.id, seen)).toThrow(expect.objectContaining({ code: 'changed_since' }));
    expect(withdrawIncident(ctx(d, 63), inc.id, withdrawalSeen(inc))).toMatchObject({ id: inc.id });
  });

  it("an update's publish is not refused for it: the preview said that notice would go out", () => {
    const inc = declare();
    const update = (minutes: number) => {
      const copy = structuredClone(d);
      const { incident, update } = postUpdate(ctx(copy, minutes), inc.id, { status: 'identified', body: 'Found it.' });
      return outcomeOf(copy, incident, update);
    };
    const previewed = update(59);
    expect(previewed.lateAfter).toBe(60);
    applyLateNotices(ctx(d, 61));
    expect(outcomeChanges(previewed, update(62))).toEqual([]);
  });
});

describe('levelOf after the scheme changes', () => {
  it("an edit of the level applies to open incidents; another scheme's level of the same id does not", () => {
    const inc = declare();
    // The same level edited (same id, same impact): its new cadence applies to the incident already open.
    d.settings.severities[0] = { ...d.settings.severities[0]!, update_every_minutes: 15 };
    expect(levelOf(d.settings, inc)).toMatchObject({ id: 'sev1', update_every_minutes: 15 });
    // SEV-0–3's sev1 is a major level: the critical SEV-1 declared keeps its own (before: the major one's words and rules).
    d.settings.severities = structuredClone(SEVERITY_SCHEMES.find((x) => x.id === 'sev0-sev3')!.levels);
    expect(levelOf(d.settings, inc)).toEqual(inc.severity);
    expect(levelOf(d.settings, inc)!.impact).toBe('critical');
  });
});

describe('the timer’s verb and the notices it makes due', () => {
  it('at +61 min marks the late notice, and the outbox sees a <id>:disruption intent', () => {
    const inc = declare();
    expect(applyDueWork(ctx(d, 59), OPTS)).toEqual([]);
    expect(noticeIntents(d)).toEqual([]);

    expect(applyDueWork(ctx(d, 61), OPTS)).toEqual([{ kind: 'late-notice', id: inc.id, at: iso(61) }]);
    expect(inc.late_notice_at).toBe(iso(61));
    expect(d.audit.at(-1)).toMatchObject({ action: 'incident.late_notice', target: inc.id, at: iso(61) });
    const intents = noticeIntents(d);
    expect(intents.map((i) => [i.key, i.kind, i.at, i.update.id])).toEqual([
      [`${inc.id}:disruption`, 'disruption', iso(61), inc.updates[0]!.id],
    ]);

    // Marked once: nothing is due again.
    expect(applyLateNotices(ctx(d, 90))).toEqual([]);
    expect(nextLateNoticeAt(d, new Date(at(90)))).toBeNull();
  });

  it('the late notice carries the latest update posted before it fell due', () => {
    const inc = declare();
    const identified = postUpdate(ctx(d, 20), inc.id, { status: 'identified', body: 'Found it.' }).update;
    expect(identified.notify).toBe(false);
    applyDueWork(ctx(d, 61), OPTS);
    postUpdate(ctx(d, 70), inc.id, { status: 'monitoring', body: 'A fix is out.' });
    const late = noticeIntents(d).find((i) => i.key === `${inc.id}:disruption`)!;
    expect(late.update.id).toBe(identified.id);
  });

  it('after the late notice, the resolution emails subscribers (a restoration intent)', () => {
    const inc = declare();
    applyDueWork(ctx(d, 61), OPTS);
    const level = d.settings.severities[0]!;
    expect(shouldNotify(level, { first: false, resolves: true, announced: true, notify: undefined })).toBe(true);
    expect(shouldNotify(level, { first: false, resolves: true, announced: false, notify: undefined })).toBe(false);
    const resolved = resolve(inc.id, 75);
    expect(resolved.notify).toBe(true);
    expect(noticeIntents(d).map((i) => [i.key, i.kind])).toEqual([
      [`${inc.id}:disruption`, 'disruption'],
      [resolved.id, 'restoration'],
    ]);
  });

  it('an update between the late notice and the resolution is not emailed (the level does not email every update)', () => {
    const inc = declare();
    applyDueWork(ctx(d, 61), OPTS);
    expect(postUpdate(ctx(d, 65), inc.id, { status: 'identified', body: 'Found it.' }).update.notify).toBe(false);
  });

  it('sends no late disruption notice once subscribers were emailed about the incident; that email was the disruption notice', () => {
    const inc = declare();
    const emailed = postUpdate(ctx(d, 10), inc.id, { status: 'identified', body: 'Found it.', notify: true }).update;
    expect(emailed.notify).toBe(true);
    expect(applyDueWork(ctx(d, 61), OPTS)).toEqual([]);
    const resolved = resolve(inc.id, 75);
    expect(resolved.notify).toBe(true);
    expect(noticeIntents(d).map((i) => [i.key, i.kind])).toEqual([
      [emailed.id, 'disruption'],
      [resolved.id, 'restoration'],
    ]);
    expect(threadRootKey(inc)).toBe(emailed.id);
  });

  it('makes nothing due for an incident declared with notify: false, even hours later', () => {
    const inc = declare({ notify: false });
    expect(applyDueWork(ctx(d, 600), OPTS)).toEqual([]);
    expect(inc.late_notice_at).toBeNull();
    expect(resolve(inc.id, 601).notify).toBe(false);
    expect(noticeIntents(d)).toEqual([]);
  });
});

describe('after a re-grade, the policy follows the new level', () => {
  const regrade = (id: string, minutes: number, severity: string, extra: Partial<UpdateInput> = {}) =>
    postUpdate(ctx(d, minutes), id, { status: 'identified', body: 'Now all logins fail.', severity, ...extra }).update;
  const due = (inc: Incident, update: { created_at: string }) => nextUpdateDue(levelOf(d.settings, inc), update.created_at, false);

  it('defaults: a SEV-3 (no email) raised to SEV-1 emails its disruption notice by default, at the SEV-1 cadence', () => {
    d.settings = structuredClone(DEFAULT_SETTINGS);
    const inc = declare({ severity: 'sev3' });
    expect(inc.updates[0]!.notify).toBe(false);
    expect(due(inc, inc.updates[0]!)!.toISOString()).toBe(iso(240));
    const raised = regrade(inc.id, 20, 'sev1');
    expect(raised.notify).toBe(true);
    expect(noticeIntents(d).map((i) => [i.key, i.kind])).toEqual([[raised.id, 'disruption']]);
    expect(due(inc, raised)!.toISOString()).toBe(iso(50));
    // Subscribers were told it started: they hear it ended, and the SEV-1 review is owed.
    const resolved = resolve(inc.id, 60);
    expect(resolved.notify).toBe(true);
    // Owed from the resolution, so the dashboard lists it while the runbook's day runs; due when it is over.
    expect(postmortemDue(d.settings, inc, new Date(at(61)))).toMatchObject({ state: 'owed', dueAt: iso(60 + 24 * 60) });
    expect(postmortemDue(d.settings, inc, new Date(at(60 + 24 * 60)))).toMatchObject({ state: 'due' });
  });

  it('defaults: subscribers told a SEV-2 started hear it raised to SEV-1 (the impact they read got worse), not it lowered', () => {
    d.settings = structuredClone(DEFAULT_SETTINGS);
    const inc = declare({ severity: 'sev2' });
    expect(inc.updates[0]!.notify).toBe(true);
    const plain = postUpdate(ctx(d, 10), inc.id, { status: 'identified', body: 'Found it.' }).update;
    expect(plain.notify).toBe(false);
    const raised = regrade(inc.id, 20, 'sev1');
    expect(raised.notify).toBe(true);
    expect(noticeIntents(d).map((i) => [i.key, i.kind])).toEqual([
      [inc.updates[0]!.id, 'disruption'],
      [raised.id, 'update'],
    ]);
    expect(regrade(inc.id, 30, 'sev2').notify).toBe(false);
  });

  it('a raise told of the past (a backfill) emails none of those who heard the start; one that is the disruption notice of an open incident nobody heard of does', () => {
    d.settings = structuredClone(DEFAULT_SETTINGS);
    const inc = declare({ severity: 'sev2' }, 0);
    const backfilled = regrade(inc.id, 30, 'sev1', { display_at: iso(20) });
    expect(backfilled.notify).toBe(false);
    // The incident is open and now a SEV-1: skipped, nothing later would ever be its first email, nor its
    // restoration (tests/unit/backdated-notices.test.ts; this case said false before a review of who is emailed).
    const quiet = declare({ severity: 'sev3' }, 40);
    expect(quiet.updates[0]!.notify).toBe(false);
    expect(regrade(quiet.id, 50, 'sev1', { display_at: iso(45) }).notify).toBe(true);
  });

  it("a raise of an incident declared with an impact no level has emails those told of it, as a level's would", () => {
    d.settings = structuredClone(DEFAULT_SETTINGS);
    const levelless = declare({ severity: undefined, impact: 'none', notify: true }, 40);
    expect(levelless.severity).toBeNull();
    expect(regrade(levelless.id, 45, 'sev1').notify).toBe(true);
  });

  it('after a scheme change, the review a stored level owes stands when the worst level reached is one the new scheme lacks', () => {
    d.settings = structuredClone(DEFAULT_SETTINGS);
    const inc = declare({ severity: 'sev1' });
    regrade(inc.id, 20, 'sev2');
    resolve(inc.id, 60);
    d.settings.severities = structuredClone(SEVERITY_SCHEMES.find((s) => s.id === 'p0-p3')!.levels);
    expect(postmortemDue(d.settings, inc, new Date(at(60 + 24 * 60)))).toMatchObject({ state: 'due', dueAt: iso(60 + 24 * 60) });
  });

  // From a hunt: a SEV-1 lowered to SEV-3 and resolved left the dashboard's postmortems owed when the scheme was
  // switched to P1–P4 (no level of id sev1 and impact critical there), though the war room had its deadline.
  it('after a scheme change, the review a level reached before a re-grade owes stands: the re-grade recorded the level', () => {
    d.settings = structuredClone(DEFAULT_SETTINGS);
    const inc = declare({ severity: 'sev1' });
    regrade(inc.id, 20, 'sev3');
    resolve(inc.id, 60);
    d.settings.severities = structuredClone(SEVERITY_SCHEMES.find((s) => s.id === 'p1-p4')!.levels);
    expect(postmortemDue(d.settings, inc, new Date(at(60 + 24 * 60)))).toMatchObject({ state: 'due', dueAt: iso(60 + 24 * 60) });
  });

  it('an explicit notify still wins; lowered, the cadence slows, and the review its SEV-1 asked for is still owed', () => {
    d.settings = structuredClone(DEFAULT_SETTINGS);
    const inc = declare({ severity: 'sev3' });
    const quiet = regrade(inc.id, 20, 'sev1', { notify: false });
    expect(quiet.notify).toBe(false);
    expect(due(inc, quiet)!.toISOString()).toBe(iso(50));
    const lowered = regrade(inc.id, 30, 'sev3');
    expect(lowered.notify).toBe(false);
    expect(due(inc, lowered)!.toISOString()).toBe(iso(270));
    resolve(inc.id, 60);
    expect(postmortemDue(d.settings, inc, new Date(at(60 + 72 * 60)))).toMatchObject({ state: 'overdue', dueAt: iso(60 + 24 * 60) });
  });

  it('is not the restoration notice of an outage nobody heard of: a re-grade on the resolving update emails nobody by default', () => {
    d.settings = structuredClone(DEFAULT_SETTINGS);
    const inc = declare({ severity: 'sev3' });
    expect(postUpdate(ctx(d, 20), inc.id, { status: 'resolved', body: 'Fixed.', severity: 'sev1' }).update.notify).toBe(false);
    expect(inc.impact).toBe('critical');
  });

  it('sev1-sev3: the late notice follows the new level, raised (now owed) or lowered (no longer owed)', () => {
    const minor = declare({ severity: 'sev3' });
    expect(lateNoticeAt(d.settings, minor)).toBeNull();
    // The new level emails only once it lasts: not this update, the timer at +60 min.
    expect(regrade(minor.id, 20, 'sev1').notify).toBe(false);
    expect(lateNoticeAt(d.settings, minor)).toBe(at(60));

    const major = declare({ severity: 'sev2' });
    expect(lateNoticeAt(d.settings, major)).toBe(at(60));
    regrade(major.id, 20, 'sev3');
    expect(lateNoticeAt(d.settings, major)).toBeNull();
    expect(applyDueWork(ctx(d, 61), OPTS)).toEqual([{ kind: 'late-notice', id: minor.id, at: iso(61) }]);
  });

  it('sev1-sev3: a re-grade sent with notify: false declines the late notice too, as the declare does', () => {
    const minor = declare({ severity: 'sev3' });
    // Open two hours: the new level's notice would be due at once, and the timer would send it within seconds.
    regrade(minor.id, 120, 'sev1', { notify: false });
    expect(lateNoticeAt(d.settings, minor)).toBeNull();
    expect(applyDueWork(ctx(d, 121), OPTS)).toEqual([]);
  });

  it('after a switch of scheme, a level of the same id and another impact is a re-grade, not "unchanged"', () => {
    const inc = declare({ severity: 'sev1' });
    d.settings.severities = structuredClone(SEVERITY_SCHEMES.find((x) => x.id === 'sev0-sev3')!.levels);
    // SEV-0–3's sev1 is major: before, "sev1" was taken for the critical SEV-1 stored and changed nothing.
    const lowered = regrade(inc.id, 20, 'sev1');
    expect(lowered.severity_change).toMatchObject({
      from: { impact: 'critical' },
      to: { id: 'sev1', impact: 'major' },
      direction: 'lowered',
    });
    expect(inc.impact).toBe('major');
  });
});

describe('a clocked Herald (timer off, the verb applied by hand)', () => {
  let herald: Herald | null = null;
  let dir = '';
  afterEach(async () => {
    await herald?.close();
    herald = null;
    removeDir(dir);
  });

  it('plans the wake for +60 min, marks the notice durably at +61, and emails the resolution after it', async () => {
    const clock = { now: T0.getTime() };
    dir = tempDataDir('herald-late-notice-');
    const config = loadConfig({ DATA_DIR: dir, HERALD_SEED: 'none', ADMIN_TOKEN: 'x'.repeat(32) });
    herald = await openHerald(config, { now: () => new Date(clock.now), log: () => {}, timer: false });
    const h = herald;
    await h.run('lead', (c) => void (c.db.settings = structuredClone({ ...c.db.settings, severities: SCHEME.levels })));
    const inc = await h.run('lead', (c) =>
      declareIncident(c, { name: 'Checkout', severity: 'sev2', status: 'investigating', body: 'Looking.', components: {} }),
    );

    expect(nextWorkAt(h.store.data, h.now(), OPTS)!.toISOString()).toBe(iso(60));
    clock.now = at(61);
    expect(hasDueWork(h.store.data, h.now(), OPTS)).toBe(true);
    expect(await h.run('timer', (c) => applyDueWork(c, OPTS))).toEqual([{ kind: 'late-notice', id: inc.id, at: iso(61) }]);
    expect(noticeIntents(h.store.data).map((i) => i.key)).toEqual([`${inc.id}:disruption`]);

    clock.now = at(80);
    const { update } = await h.run('lead', (c) => postUpdate(c, inc.id, { status: 'resolved', body: 'Fixed.' }));
    expect(update.notify).toBe(true);
    await h.close();

    herald = await openHerald(config, { now: () => new Date(clock.now), log: () => {}, timer: false });
    const again = herald.store.data.incidents[0]!;
    expect(again).toMatchObject({ id: inc.id, late_notice_at: iso(61), status: 'resolved' });
    expect(noticeIntents(herald.store.data).map((i) => [i.key, i.kind])).toEqual([
      [`${inc.id}:disruption`, 'disruption'],
      [update.id, 'restoration'],
    ]);
  });
});
