import type { Db, Incident } from '../domain/model.ts';
import { overallStatus } from '../domain/overall.ts';
import { componentJson, incidentJson, ms, type RecordSite } from '../read/statuspage-records.ts';
import type { ChannelMessage } from './plan.ts';
import { asOf } from '../domain/event-as-of.ts';
import { statusTaken } from '../domain/model.ts';
import { pageAsOf } from './page-as-of.ts';

/**
 * The body of a webhook: Statuspage's webhook notification shapes, so that
 * receivers written for Statuspage work. `meta` and `page` first, then either
 * `incident` (with its `incident_updates`, newest first, as it stood at this
 * update) or `component_update` and `component` for a status change. The
 * page's status and the incident's components are as of the update too: a
 * delivery late after a resolve must not call its own outage operational.
 */
export function webhookPayload(m: ChannelMessage, db: Db, site: RecordSite, now: Date) {
  const then = pageAsOf(db, m.update.created_at);
  const overall = overallStatus(then);
  const siteUrl = site.SITE_URL.replace(/\/+$/, '');
  const head = {
    meta: { unsubscribe: null, documentation: `${siteUrl}/api/v2/summary.json`, generated_at: now.toISOString() },
    page: { id: db.page.id, status_indicator: overall.indicator, status_description: overall.description },
  };
  if (m.kind === 'component' && m.change) {
    const component = db.components.find((c) => c.id === m.change!.code);
    const taken = statusTaken(m.change);
    return {
      ...head,
      component_update: {
        id: `${m.update.id}.${m.change.code}`,
        component_id: m.change.code,
        component_type: 'Component',
        old_status: m.change.old_status,
        new_status: taken,
        created_at: ms(m.update.created_at),
      },
      // The component as this change left it (a late delivery does not contradict its own component_update).
      component: component
        ? { ...componentJson(component, db, site.SITE_TIMEZONE), status: taken, updated_at: ms(m.update.created_at) }
        : { id: m.change.code, name: m.change.name, status: taken, page_id: db.page.id },
    };
  }
  return {
    ...head,
    incident: incidentJson(
      asOf(m.event, m.update, db.settings) as Incident,
      { ...db, components: then.components },
      { ...site, SITE_URL: siteUrl },
    ),
  };
}

const encoder = new TextEncoder();

/**
 * Standard Webhooks signing: HMAC-SHA256 over `<id>.<timestamp>.<body>` with
 * each secret's bytes (the base64 after `whsec_`), sent as
 * `webhook-signature: v1,<base64>`, space-separated when a rotation's overlap
 * signs with two (signingSecrets). The id (webhookId) is the same on every
 * retry, so receivers can drop duplicates.
 */
export async function signatureHeaders(secrets: readonly string[], id: string, body: string, now: Date): Promise<Record<string, string>> {
  const timestamp = Math.floor(now.getTime() / 1000).toString();
  const signed = encoder.encode(`${id}.${timestamp}.${body}`);
  const signatures = await Promise.all(
    secrets.map(async (secret) => {
      const keyBytes = Uint8Array.from(atob(secret.replace(/^whsec_/, '')), (c) => c.charCodeAt(0));
      const key = await crypto.subtle.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
      const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, signed));
      return `v1,${btoa(String.fromCharCode(...mac))}`;
    }),
  );
  return {
    'webhook-id': id,
    'webhook-timestamp': timestamp,
    'webhook-signature': signatures.join(' '),
  };
}
