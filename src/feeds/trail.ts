import type { EventRecord, Maintenance, MaintenanceUpdate, Update } from '../domain/model.ts';
import { maintenanceStep, windowAsItStands } from '../domain/maintenance/steps.ts';
import { INCIDENT_STATUS_LABEL } from '../domain/status.ts';
import { dateFormat } from '../domain/date-formats.ts';
import { zoneName } from '../domain/time-text.ts';
import { withAbsoluteLinks } from '../render/markdown.ts';

/**
 * The update trail of one incident or maintenance as the HTML that Statuspage
 * puts in its feeds (one `<p>` per update, newest first):
 * `<p><small>Jan <var data-var='date'>15</var>, <var data-var='time'>10:00</var> UTC</small><br><strong>Identified</strong> - body</p>`.
 * Consumers regex the first `<strong>` as the current status, so the label
 * always comes first. Bodies are the sanitized `body_html` stored at save time.
 */

interface TrailItem {
  at: string;
  label: string;
  html: string;
}

const STAMP: Intl.DateTimeFormatOptions = {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
};

function stampParts(iso: string, timeZone: string) {
  const date = new Date(iso);
  const parts = Object.fromEntries(
    dateFormat('en-US', STAMP, timeZone)
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  // The zone as the page writes it ("CET", not en-US's "GMT+1").
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!.padStart(2, ' '),
    time: `${parts.hour}:${parts.minute}`,
    zone: zoneName(date, timeZone),
  };
}

/**
 * Splits sanitized HTML into its first paragraph's inner HTML (which joins
 * the label inline) and the blocks after it (lists, code, more paragraphs),
 * which follow the update's `<p>` so the HTML stays valid.
 */
export function splitLead(html: string): { lead: string; rest: string } {
  const m = /^\s*<p>([\s\S]*?)<\/p>/.exec(html);
  if (!m) return { lead: '', rest: html.trim() };
  return { lead: m[1]!.trim(), rest: html.slice(m[0].length).trim() };
}

/** Label of each update: its status, or `Update` when it did not change the status. */
export function trailItems(incident: EventRecord): TrailItem[] {
  const items: TrailItem[] = [];
  let previous: string | null = null;
  const oldestFirst = [...(incident.updates as Update[])].sort(
    (a, b) => Date.parse(a.display_at) - Date.parse(b.display_at) || Date.parse(a.created_at) - Date.parse(b.created_at),
  );
  for (const u of oldestFirst) {
    // A cancelled window's last step reads "Completed", its status (`completed`, as the API says): readers take the
    // first label for the status, and Statuspage's feeds have no "Cancelled". Its text and the entry's last line
    // ("Was scheduled for …") say it did not take place.
    const cancelled = incident.kind === 'maintenance' && maintenanceStep(incident, u as MaintenanceUpdate) === 'cancelled';
    const label = u.status === previous && !cancelled ? 'Update' : INCIDENT_STATUS_LABEL[u.status];
    items.push({ at: u.display_at, label, html: u.body_html });
    previous = u.status;
  }
  const pm = incident.kind === 'incident' ? incident.postmortem : null;
  if (pm?.published_at) {
    // In its place in time: a note posted after the publication is newer, and goes above it (newest first).
    const published = Date.parse(pm.published_at);
    const after = items.findIndex((i) => Date.parse(i.at) > published);
    items.splice(after === -1 ? items.length : after, 0, {
      at: pm.published_at,
      label: INCIDENT_STATUS_LABEL.postmortem,
      html: pm.body_html,
    });
  }
  return items.reverse();
}

/**
 * "Jan 15, 2027, 10:00 UTC": with its year, unlike an update's stamp (Statuspage's, which consumers parse):
 * a feed is read later, and a window may be months ahead or behind.
 */
function stampText(iso: string, timeZone: string): string {
  const s = stampParts(iso, timeZone);
  return `${s.month} ${s.day.trim()}, ${s.year}, ${s.time} ${s.zone}`;
}

/**
 * A window's times, after its trail: a notice in the Comms Lead's own words may not say when the work
 * is, and a feed reader has nothing else. Last, so that the first `<strong>` is still the status.
 */
function windowLine(m: Maintenance, timeZone: string): string {
  const w = windowAsItStands(m);
  const [from, until] = [stampText(w.from, timeZone), stampText(w.until, timeZone)];
  const text = {
    cancelled: `Was scheduled for ${from} to ${until}`,
    completed: `Carried out ${from} to ${until}`,
    scheduled: `Scheduled for ${from} to ${until}`,
    running: `Started ${from}, scheduled to end ${until}`,
  }[w.state];
  return `<p><small>${text}</small></p>`;
}

/**
 * The whole trail as (unescaped) HTML; the feed writers escape it. A link typed relative (`[history](/history)`)
 * points at `siteUrl`, as in email: RSS has no base URL, and a reader resolves it against its own.
 */
export function trailHtml(incident: EventRecord, timeZone: string, siteUrl: string): string {
  const window = incident.kind === 'maintenance' ? windowLine(incident, timeZone) : '';
  return trailItems(incident)
    .map((item) => {
      const s = stampParts(item.at, timeZone);
      const { lead, rest } = splitLead(withAbsoluteLinks(item.html, siteUrl));
      return (
        `<p><small>${s.month} <var data-var='date'>${s.day}</var>, <var data-var='time'>${s.time}</var> ${s.zone}</small>` +
        // A body that opens with a heading or a list (a postmortem's "## Summary") has no lead to join: the label stands alone.
        `<br><strong>${item.label}</strong>${lead ? ` - ${lead}` : ''}</p>${rest}`
      );
    })
    .join('')
    .concat(window);
}

/** When the entry last changed: the record, its updates or its published postmortem. */
export function lastChanged(incident: EventRecord): string {
  let latest = Date.parse(incident.updated_at);
  for (const u of incident.updates) latest = Math.max(latest, Date.parse(u.updated_at));
  const pm = incident.kind === 'incident' ? incident.postmortem : null;
  if (pm?.published_at) latest = Math.max(latest, Date.parse(pm.updated_at), Date.parse(pm.published_at));
  return new Date(latest).toISOString();
}
