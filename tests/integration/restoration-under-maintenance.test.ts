import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopAll, tempDataDir, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { startMailedSite } from '../helpers/mail-flow.ts';
import { until } from '../helpers/poll.ts';

/**
 * A restoration's closing says "Scheduled maintenance is still under way" only while a maintenance window
 * runs (README "Subscribers and email"). A component set by hand under maintenance, no window scheduled,
 * is named as still under maintenance instead: no maintenance is under way that a customer could look up.
 */
type Json = Record<string, any>;
let smtp: TestSmtp;
let h: HeraldProcess;
const dataDir = tempDataDir();

beforeAll(async () => {
  smtp = await startSmtp();
  h = await startMailedSite(dataDir, smtp, [
    { id: 'api', name: 'API' },
    { id: 'search', name: 'Search' },
  ]);
}, 60_000);
afterAll(() => stopAll(h, smtp, dataDir));

const mailsOf = async (name: string) =>
  (await Promise.all(smtp.received.map((r) => smtp.parse(r)))).filter((m) => m.subject?.includes(name));

describe('a restoration while a component is set by hand under maintenance, with no window', () => {
  it('names it as still under maintenance, and says no scheduled maintenance is under way', async () => {
    const set = await h.admin('/components/search', { method: 'PATCH', body: { status: 'under_maintenance' } });
    expect(set.status).toBe(200);
    const declared = await h.admin('/incidents', {
      body: { name: 'API errors', impact: 'major', body: 'Errors.', components: { api: 'partial_outage' }, notify: true },
    });
    expect(declared.status).toBe(201);
    const { id } = (await declared.json()) as Json;
    const resolved = await h.admin(`/incidents/${id}/updates`, { body: { status: 'resolved', body: 'Fixed.', notify: true } });
    expect(resolved.status).toBe(201);
    await until(async () => (await mailsOf('API errors')).some((m) => m.text?.includes('has been resolved')), 'the restoration');
    const mail = (await mailsOf('API errors')).find((m) => m.text?.includes('has been resolved'))!;
    for (const part of [mail.text!, String(mail.html)]) {
      // Before: "Scheduled maintenance is still under way: our status page shows how each service is doing."
      expect(part).not.toContain('Scheduled maintenance is still under way');
      expect(part).not.toContain('All services are now operating normally');
      expect(part).toContain('Still under maintenance: Search. Our status page shows how each service is doing.');
    }
  });
});
