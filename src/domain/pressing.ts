import type { Component, EventRecord } from './model.ts';
import { componentStatusToImpact, worstComponentStatus, type Indicator } from './status.ts';
import { latestSaid } from './components/settle.ts';

/**
 * Live records (open incidents, running windows) most pressing first: the one the banner shows, and the
 * order `/` lists its active incidents in, so a customer reads the critical outage before a minor one
 * declared after it, and the page's first card is the banner's.
 *
 * What a record weighs now is what it adds to the page's indicator: an incident being worked on, its
 * impact; one being monitored, what its components (those given) still show of its own word, as the
 * indicator counts them (its fix is out); a window, `maintenance`. Then one still being worked on comes
 * first; then the most severe as declared; then the latest news. A critical incident monitored while its
 * component is still down so comes before a trivial one under investigation, and one whose components are
 * back does not.
 */
export function mostPressingFirst<T extends EventRecord>(live: readonly T[], components: readonly Component[]): T[] {
  const ranked = live.map((e) => ({ e, weight: RANK[weight(e, components)], worked: workedOn(e), own: RANK[own(e)], last: lastNews(e) }));
  ranked.sort((a, b) => b.weight - a.weight || b.worked - a.worked || b.own - a.own || b.last - a.last);
  return ranked.map((r) => r.e);
}

const RANK = { critical: 4, major: 3, minor: 2, maintenance: 1, none: 0 } as const;
const workedOn = (e: EventRecord): number => (e.kind === 'incident' && e.status !== 'monitoring' ? 1 : 0);
const own = (e: EventRecord): Indicator => (e.kind === 'incident' ? e.impact : 'maintenance');
/** The instant of its latest update as shown (a backdated one counts at its shown time), else its last change. */
const lastNews = (e: EventRecord): number =>
  e.updates.length === 0 ? Date.parse(e.updated_at) : Math.max(...e.updates.map((u) => Date.parse(u.display_at)));

/** What a live record adds to the page's indicator now (see mostPressingFirst): also its banner's colour. */
export function weight(e: EventRecord, components: readonly Component[]): Indicator {
  if (e.kind !== 'incident' || e.status !== 'monitoring') return own(e);
  // Its own word, where the component shows no worse: the outage another open incident gives a component
  // is that one's colour, or a monitored "degraded" headlined red over the outage being worked on.
  const still = components
    .filter((c) => e.components.includes(c.id))
    .map((c) => {
      const word = latestSaid(e, c.id);
      return word === null || worstComponentStatus([word, c.status]) === word ? c.status : word;
    });
  return componentStatusToImpact(worstComponentStatus(still));
}
