import type { Channel } from '../domain/channels/model.ts';
import type { Db } from '../domain/model.ts';
import type { ComponentStatus } from '../domain/status.ts';

type Scope = Pick<Channel, 'components' | 'min_impact'>;
export type Edits = Array<{ until: string; scope: Scope }>;

/**
 * What the planner reads of the audit: when each component was last deleted, and the scopes each channel
 * had before its edits (`channel.edit` keeps the previous components and least impact), oldest edit first;
 * and what a webhook's page as of an update reads: the statuses components were set to by hand, or settled to
 * by a withdrawal.
 * Worked out once per audit length: the audit only grows, and the planner runs on every change.
 */
export interface AuditFacts {
  deleted: Map<string, string>;
  edits: Map<string, Edits>;
  /** When each incident's postmortem was first published, as the audit recorded it (its first published save). */
  published: Map<string, string>;
  /** Each status a component was set to by hand, from what (edits the audit recorded the new status of). */
  handSet: Map<string, Array<{ at: string; from: ComponentStatus; to: ComponentStatus }>>;
  /** The status each component of a withdrawn incident had once it was withdrawn (settled or not): no update records it. */
  withdrawn: Map<string, Array<{ at: string; to: ComponentStatus }>>;
}
const readAudits = new WeakMap<Db['audit'], { length: number; facts: AuditFacts }>();

export function auditFacts(audit: Db['audit']): AuditFacts {
  const known = readAudits.get(audit);
  if (known?.length === audit.length) return known.facts;
  const facts: AuditFacts = { deleted: new Map(), edits: new Map(), published: new Map(), handSet: new Map(), withdrawn: new Map() };
  for (const e of audit) {
    if (e.action === 'incident.withdraw') {
      // What it settled, and (recorded since) every one of its components' status then, settled or not.
      const detail = e.detail as {
        components_restored?: Record<string, ComponentStatus>;
        components_now?: Record<string, ComponentStatus>;
      };
      const statuses = { ...detail?.components_now, ...detail?.components_restored };
      for (const [id, to] of Object.entries(statuses)) {
        const list = facts.withdrawn.get(id) ?? [];
        list.push({ at: e.at, to });
        facts.withdrawn.set(id, list);
      }
      continue;
    }
    if (e.action === 'component.delete' && e.at > (facts.deleted.get(e.target) ?? '')) facts.deleted.set(e.target, e.at);
    if (e.action === 'component.edit') {
      const to = (e.detail as { status?: ComponentStatus } | undefined)?.status;
      const from = (e.previous as { status?: ComponentStatus } | undefined)?.status;
      if (!to || !from || to === from) continue;
      const list = facts.handSet.get(e.target) ?? [];
      list.push({ at: e.at, from, to });
      facts.handSet.set(e.target, list);
      continue;
    }
    if (e.action === 'incident.postmortem' && (e.detail as { published?: unknown } | undefined)?.published === true) {
      if (e.at < (facts.published.get(e.target) ?? '\uffff')) facts.published.set(e.target, e.at);
    }
    if (e.action !== 'channel.edit') continue;
    const previous = e.previous as Partial<Scope> | undefined;
    const detail = e.detail as Partial<Scope> | undefined;
    if (!Array.isArray(previous?.components) || previous.min_impact === undefined) continue;
    // An edit of the name or the URL only changed no scope.
    if (previous.min_impact === detail?.min_impact && previous.components.join() === detail.components?.join()) continue;
    const list = facts.edits.get(e.target) ?? [];
    list.push({ until: e.at, scope: { components: previous.components, min_impact: previous.min_impact } });
    facts.edits.set(e.target, list);
  }
  readAudits.set(audit, { length: audit.length, facts });
  return facts;
}
