import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { signIn, type ConsoleSession } from '../helpers/console-session.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE, subscribeAndConfirm, to } from '../helpers/mail-flow.ts';
import { until } from '../helpers/poll.ts';
import { all, dom, textOf } from '../helpers/dom.ts';

/**
 * The tag by each update on the console's incident page. From a review: with no subscriber following the
 * incident's components, a SEV-1's first update was tagged "emailed" (its notice went to nobody), and a
 * Comms Lead skimming the timeline read that customers had been told.
 */
let h: HeraldProcess;
let smtp: TestSmtp;
let s: ConsoleSession;

beforeAll(async () => {
  smtp = await startSmtp();
  h = await startHerald({ env: { SMTP_URL: smtp.url, SITE_URL: SITE, HERALD_SEED: 'none' } });
  for (const [id, name] of [
    ['api', 'API'],
    ['web', 'Website'],
  ]) {
    expect((await h.admin('/components', { body: { id, name } })).status).toBe(201);
  }
  s = await signIn(h);
}, 60_000);
afterAll(() => stopAll(h, smtp));

/** The tags of the incident's updates on its console page, newest first. */
async function tags(id: string): Promise<string[]> {
  const doc = dom(await (await fetch(`${h.url}/admin/incidents/${id}`, { headers: { cookie: s.cookie } })).text());
  const list = all(doc, (e) => e.name === 'ol' && (e.attribs.class ?? '').includes('active-list'))[0]!;
  return all(list, (e) => e.name === 'li' && e.parent === list).map((li) =>
    all(li, (e) => e.name === 'span' && (e.attribs.class ?? '').startsWith('pill'))
      .map(textOf)
      .join(','),
  );
}

/** Waits until the fan-out of every notice of the outbox is done. */
const fannedOut = () =>
  until(async () => {
    const d = (await (await h.admin('/deliveries')).json()) as { updates: Array<{ fanout_done: boolean }> };
    return d.updates.length > 0 && d.updates.every((u) => u.fanout_done);
  }, 'the fan-outs');

describe('the console says which updates were emailed', () => {
  it('an update whose notice went to no subscriber says so; one that reached a subscriber says emailed', async () => {
    const declared = await h.admin('/incidents', {
      body: { name: 'Website down', severity: 'sev1', body: 'Investigating.', components: { web: 'major_outage' } },
    });
    const { id } = (await declared.json()) as { id: string };
    await fannedOut();
    expect(await tags(id)).toEqual(['no subscriber to email']);

    await subscribeAndConfirm(h, smtp, 'reader@example.com', ['web']);
    const update = await h.admin(`/incidents/${id}/updates`, { body: { status: 'resolved', body: 'Fixed.' } });
    expect(update.status).toBe(201);
    await until(() => to(smtp, 'reader@example.com').length === 2, 'the restoration notice');
    await fannedOut();
    expect(await tags(id)).toEqual(['emailed', 'no subscriber to email']);
  });

  // From a hunt: the timeline read "· by admin-token", where the dashboard says "the API".
  it('names who posted each update in words: the API for the admin token', async () => {
    const declared = await h.admin('/incidents', {
      body: { name: 'API slow', severity: 'sev3', body: 'Investigating.', components: { api: 'degraded_performance' } },
    });
    const { id } = (await declared.json()) as { id: string };
    const doc = dom(await (await fetch(`${h.url}/admin/incidents/${id}`, { headers: { cookie: s.cookie } })).text());
    const meta = all(doc, (e) => e.name === 'div' && e.attribs.class === 'meta').map(textOf);
    expect(meta[0]).toContain('by the API');
    expect(meta.join(' ')).not.toContain('admin-token');
  });
});
