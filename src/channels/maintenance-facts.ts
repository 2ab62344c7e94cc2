import type { Db, Maintenance, MaintenanceUpdate } from '../domain/model.ts';
import { MAINTENANCE_TITLE, maintenanceStep, stepStatusLabel, stepWindow, windowLabel } from '../domain/maintenance/steps.ts';
import { eventComponentNames } from '../domain/components/names.ts';
import { joinNames } from '../domain/words.ts';
import { markdownToText } from '../render/markdown-text.ts';
import { incidentUrl } from '../read/statuspage-records.ts';
import type { WarRoomFacts } from './facts.ts';

/**
 * What a Slack or Teams message about a maintenance update says: the step in the maintenance email's words
 * ("Maintenance started"), the window in the page's time zone (labelled as the email labels it), the
 * components, the update's text and the window's page. Laid out by the same renderers as the war room's.
 */
export function maintenanceFacts(
  db: Pick<Db, 'components' | 'groups' | 'audit'>,
  m: Maintenance,
  update: MaintenanceUpdate,
  site: { SITE_URL: string; SITE_TIMEZONE: string },
): WarRoomFacts {
  const step = maintenanceStep(m, update);
  const names = eventComponentNames(db, m);
  const status = stepStatusLabel(step, update.status, m);
  return {
    kind: 'maintenance',
    title: `🔧 ${MAINTENANCE_TITLE[step]}`,
    name: m.name,
    url: incidentUrl(site.SITE_URL.replace(/\/+$/, ''), m.id),
    status,
    text: markdownToText(update.body, { siteUrl: site.SITE_URL }),
    fields: [
      { label: 'Status', value: status },
      { label: windowLabel(step, update.status, m), value: stepWindow(step, update.status, m, site.SITE_TIMEZONE) },
      { label: 'Affected systems', value: names.length ? joinNames(names) : 'None named' },
    ],
  };
}
