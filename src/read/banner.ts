import type { Db, EventRecord, Update } from '../domain/model.ts';
import { IMPACT_LABEL, impactText, type Impact, type Indicator } from '../domain/status.ts';
import { isActiveMaintenance, isOpenIncident, overallStatus } from '../domain/overall.ts';
import { leadText } from '../render/markdown-text.ts';
import { firstSentence } from '../render/first-sentence.ts';
import { incidentUrl, ms, pageUpdatedAt, updatesNewestFirst, type SiteInfo } from './statuspage-records.ts';
import { closedBidi, headOf } from '../domain/text.ts';
import { mostPressingFirst, weight } from '../domain/pressing.ts';

/**
 * The in-app banner (`GET /api/banner.json`, shown by public/embed.js): what
 * a product should tell its users right now. A pure function of the data.
 */
export interface Banner {
  active: boolean;
  indicator: Indicator;
  title: string;
  /** The update's first sentence, plain text (no Markdown, no HTML, no list), at most BANNER_MESSAGE_MAX characters. */
  message: string;
  url: string;
  updated_at: string;
  incident_id: string | null;
  /** What the record shown is (an app shows a maintenance differently); null when nothing is shown. */
  kind: EventRecord['kind'] | null;
  components: string[];
  /**
   * When the record shown is expected to end (an instant): an incident's estimated resolution, a running
   * maintenance's scheduled end (`scheduled_until`); null when not known or nothing is shown.
   */
  eta: string | null;
  /**
   * The latest status of the record shown (`investigating`, `identified`, `monitoring`; a window's `in_progress`,
   * `verifying`): a monitored incident whose components are operational has `indicator` `none`, and is no "No impact"
   * incident for that. Null when nothing is shown.
   */
  status: EventRecord['status'] | null;
  /** How many other live incidents and maintenances the banner concerns (its filter's), which it does not show; 0 when none. */
  others: number;
  /**
   * Changes with every new update (not a correction) of the record shown, and of any other live record the banner
   * concerns, and when such a record is added, so a dismissed banner returns with news of any of them.
   */
  dismiss_key: string | null;
}

export const BANNER_MESSAGE_MAX = 280;
const MAX_FILTER_IDS = 50;

/**
 * Parses `?components=api,dashboard` into sorted, known component ids; a
 * group id stands for its components. Unknown ids are ignored (a deleted
 * component must not break an app's banner). Returns null for no filter.
 */
export function parseComponentFilter(raw: string | string[] | undefined, db: Pick<Db, 'components'>): string[] | null {
  // `?components=a&components=b` as `?components=a,b`.
  const joined = Array.isArray(raw) ? raw.join(',') : raw;
  if (joined === undefined || joined.trim() === '') return null;
  const asked = new Set(
    joined
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .slice(0, MAX_FILTER_IDS),
  );
  const ids = db.components.filter((c) => asked.has(c.id) || (c.group !== null && asked.has(c.group))).map((c) => c.id);
  // Only unknown ids (a typo, a component since removed): no filter, not an empty one that would show
  // "All Systems Operational" through any outage.
  return ids.length === 0 ? null : [...new Set(ids)].sort();
}

/**
 * True when a record concerns the filter. An incident that names no
 * component concerns everyone: a missed outage is worse than an extra banner.
 */
export function concerns(i: EventRecord, filter: string[] | null): boolean {
  if (filter === null || i.components.length === 0) return true;
  return i.components.some((id) => filter.includes(id));
}

/** Shortens plain text to `max` characters at a word boundary, with an ellipsis. */
export function truncateText(text: string, max = BANNER_MESSAGE_MAX): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = headOf(flat, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).replace(/[\s.,;:!?-]+$/, '')}…`;
}

/**
 * The banner's line: cut at BANNER_MESSAGE_MAX characters with what it leaves open of a bidirectional
 * override or isolate closed (closedBidi), the closing marks counted in: the app's text after it stays
 * as written. A shorter cut can leave more open, so it is cut again until both fit.
 */
export function bannerMessage(text: string): string {
  let max = BANNER_MESSAGE_MAX;
  let message = closedBidi(truncateText(text, max));
  while (message.length > BANNER_MESSAGE_MAX) {
    max -= message.length - BANNER_MESSAGE_MAX;
    message = closedBidi(truncateText(text, max));
  }
  return message;
}

const latestUpdate = (i: EventRecord): Update | undefined => updatesNewestFirst<Update>(i)[0];

/** The update last posted (not the latest shown: a backdated one is posted now), of any of `records`. */
function lastPosted(records: EventRecord[]): Update | undefined {
  let last: Update | undefined;
  for (const r of records) for (const u of r.updates) if (!last || Date.parse(u.created_at) > Date.parse(last.created_at)) last = u;
  return last;
}

/**
 * The shown record and its latest update, then the update last posted of the other live records when it was posted
 * after every update of the one shown: a record declared, a window started or an update posted behind a dismissed
 * banner changes the key, and the banner comes back. With nothing posted to the others since, the key is the one
 * earlier versions gave (`INC-…:update`), so a banner dismissed before stays dismissed.
 */
function dismissKey(shown: EventRecord, update: Update, others: EventRecord[]): string {
  const own = lastPosted([shown]);
  const other = lastPosted(others);
  const behind = other && own && Date.parse(other.created_at) > Date.parse(own.created_at);
  return `${shown.id}:${update.id}${behind ? `:${other.id}` : ''}`;
}

/**
 * The banner's severity in words, as public/embed.js writes it before the title: the status page's impact words
 * ("Major impact", "Maintenance"), and "Monitoring" for an incident being monitored whose components are operational
 * again (its `indicator` `none`), which is no "No impact" incident.
 */
export function bannerLevelText(banner: Pick<Banner, 'indicator' | 'status'>): string {
  const level = /^(none|minor|major|critical|maintenance)$/.test(banner.indicator) ? banner.indicator : 'minor';
  if (level === 'none' && banner.status === 'monitoring') return 'Monitoring';
  return level === 'maintenance' ? IMPACT_LABEL.maintenance : impactText(level as Impact);
}

/** A message's end that ends a sentence: . ! ? …, then any closing quotes, brackets, spaces or bidi marks. */
const ENDS_SENTENCE = /[.!?…。！？][\s"'’”»)\]\u202a-\u202e\u2066-\u2069]*$/;

/**
 * The message and the estimate's sentence as one line, as public/embed.js writes them: a message that does not
 * end a sentence (. ! ? …, before closing quotes, brackets or bidi marks) gets a full stop, so the estimate does
 * not run on from it ("Investigating slow search results Estimated resolution: …").
 */
export function bannerLine(message: string, etaSentence: string): string {
  return `${message}${message && etaSentence && !ENDS_SENTENCE.test(message) ? '.' : ''}${etaSentence}`;
}

/** The line under the banner, a link to the status page, when it concerns more live records than the one it shows. */
export const bannerOthersText = (others: number): string => `${others} more on the status page`;

/** The banner for the whole page (filter null) or for the given component ids. */
export function bannerFor(db: Db, site: SiteInfo, filter: string[] | null = null): Banner {
  const incidents = db.incidents.filter((i) => concerns(i, filter));
  const maintenances = db.maintenances.filter((m) => concerns(m, filter));
  const live: EventRecord[] = [...incidents.filter(isOpenIncident), ...maintenances.filter(isActiveMaintenance)];
  const components = filter === null ? db.components : db.components.filter((c) => filter.includes(c.id));
  const overall = overallStatus({ components, incidents, maintenances });
  // The filter's components: a monitored incident weighs what the components the app shows still show.
  const shown = mostPressingFirst(live, components)[0];
  const update = shown && latestUpdate(shown);
  if (!shown || !update) {
    return {
      active: false,
      indicator: overall.indicator,
      title: overall.description,
      message: '',
      url: site.SITE_URL,
      updated_at: pageUpdatedAt(db),
      incident_id: null,
      kind: null,
      components: [],
      eta: null,
      status: null,
      others: 0,
      dismiss_key: null,
    };
  }
  return {
    active: true,
    // The colour of what it shows: a typo's banner is not red because something else is down.
    indicator: weight(shown, components),
    title: shown.name,
    // One line an app can show: the update's first sentence, without link URLs or the lists of facts
    // (the estimate is `eta`, which apps show in the reader's zone), cut at 280 characters.
    message: bannerMessage(firstSentence(leadText(update.body))),
    url: incidentUrl(site.SITE_URL, shown.id),
    updated_at: ms(update.display_at)!,
    incident_id: shown.id,
    kind: shown.kind,
    components: [...shown.components],
    eta: shown.kind === 'incident' ? (shown.eta ? ms(shown.eta)! : null) : ms(shown.scheduled_until)!,
    status: shown.status,
    others: live.length - 1,
    dismiss_key: dismissKey(
      shown,
      update,
      live.filter((r) => r !== shown),
    ),
  };
}
