import { describe, expect, it } from 'vitest';
import { emptyDb, type Db } from '../../src/domain/model.ts';
import type { VerbContext } from '../../src/domain/context.ts';
import { createComponent } from '../../src/domain/components/manage.ts';
import { declareIncident } from '../../src/domain/incidents/declare.ts';
import { postUpdate } from '../../src/domain/incidents/post-update.ts';
import { noticeIntents } from '../../src/notify/intents.ts';
import { renderNotice } from '../../src/notify/render.ts';
import { renderMarkdown } from '../../src/render/markdown.ts';

/**
 * A notice sent late (a 4xx retry, "Retry all", a slow fan-out) tells of its own update: the incident as it
 * stood then, not as later updates (emailed or not) have left it by the time it goes out.
 */
const now = new Date('2026-11-23T10:00:00Z');
const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000);

function world(): { db: Db; ctx: (when?: Date) => VerbContext } {
  const db = emptyDb('page', now.toISOString());
  const ctx = (when = now): VerbContext => ({ db, now: when, actor: 'test', markdown: renderMarkdown });
  createComponent(ctx(), { id: 'dashboard', name: 'Dashboard' });
  createComponent(ctx(), { id: 'api', name: 'API' });
  return { db, ctx };
}

const siteOf = (db: Db) =>
  ({
    siteName: 'Acme',
    siteUrl: 'https://status.example.com',
    db,
    unsubscribeUrl: 'u',
    manageUrl: 'm',
    timeZone: 'Asia/Shanghai',
  }) as const;

/** A SEV-2 (major, hourly cadence) on the dashboard, declared at 10:00 UTC with an estimate three hours ahead. */
function declared() {
  const w = world();
  const inc = declareIncident(w.ctx(), {
    name: 'Search slow',
    severity: w.db.settings.severities[1]!.id,
    status: 'identified',
    body: 'Search is slow.',
    components: { dashboard: 'degraded_performance' },
    eta: at(180).toISOString(),
    notify: true,
  });
  return { ...w, inc };
}

describe('a late notice tells of the incident as it stood at its update', () => {
  it('a disruption notice sent after a silent update changed the estimate gives the estimate it was declared with', () => {
    const { db, ctx, inc } = declared();
    const first = inc.updates[0]!;
    postUpdate(ctx(at(5)), inc.id, { status: 'identified', body: 'A reindex is under way.', notify: false, eta: at(40).toISOString() });
    const d = renderNotice({ ...siteOf(db), kind: 'disruption', incident: inc, update: first });
    // Before: "Estimated resolution: 23 Nov 2026, 18:40 GMT+8", the silent update's estimate.
    expect(d.text).toContain('Estimated resolution: 23 Nov 2026, 21:00 GMT+8\n');
    expect(d.html).toContain('21:00 GMT+8');
    expect(d.html).not.toContain('18:40');
  });

  it('an update sent after the incident was resolved without email keeps its estimate and its promise of the next', () => {
    const { db, ctx, inc } = declared();
    const { update } = postUpdate(ctx(at(10)), inc.id, {
      status: 'identified',
      body: 'A reindex is under way.',
      notify: true,
      eta: at(40).toISOString(),
    });
    postUpdate(ctx(at(30)), inc.id, { status: 'resolved', body: 'Fixed.', notify: false });
    const u = renderNotice({ ...siteOf(db), kind: 'update', incident: inc, update }).text;
    expect(u).toContain('Current status: Identified\n');
    // Before: "Estimated resolution: not known yet", and no "(the next by …)".
    expect(u).toContain('Estimated resolution: 23 Nov 2026, 18:40 GMT+8\n');
    expect(u).toContain('at least every hour (the next by 23 Nov 2026, 19:10 GMT+8)');
    expect(u).not.toContain('Resolved at');
  });

  it('names the components the incident named then, not those a later update added', () => {
    const { db, ctx, inc } = declared();
    const first = inc.updates[0]!;
    postUpdate(ctx(at(5)), inc.id, { status: 'identified', body: 'The API too.', components: { api: 'partial_outage' }, notify: false });
    const d = renderNotice({ ...siteOf(db), kind: 'disruption', incident: inc, update: first }).text;
    // Before: "Affected services: Dashboard and API".
    expect(d).toContain('Affected services: Dashboard\n');
  });

  it('a late disruption notice (email_after_minutes) tells of the incident as it stood when it fell due, not of an update since', () => {
    const { db, ctx } = world();
    const inc = declareIncident(ctx(), {
      name: 'API slow',
      impact: 'minor',
      status: 'investigating',
      body: 'Looking.',
      components: { api: 'degraded_performance' },
      eta: at(120).toISOString(),
    });
    inc.late_notice_at = at(30).toISOString();
    postUpdate(ctx(at(45)), inc.id, { status: 'identified', body: 'Found it.', eta: at(60).toISOString(), notify: false });
    const intent = noticeIntents(db).find((i) => i.kind === 'disruption' && i.incident.id === inc.id)!;
    const d = renderNotice({ ...siteOf(db), kind: intent.kind, incident: intent.incident, update: intent.update, at: intent.at }).text;
    expect(d).toContain('Current status: Investigating\n');
    // Before: "Estimated resolution: 23 Nov 2026, 19:00 GMT+8", from the update posted after it fell due.
    expect(d).toContain('Estimated resolution: 23 Nov 2026, 20:00 GMT+8\n');
  });
});
