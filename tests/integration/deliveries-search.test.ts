import { afterEach, describe, expect, it } from 'vitest';
import { startHerald, removeDir, tempDataDir, stopAll } from '../helpers/server.ts';
import { startSmtp } from '../helpers/smtp.ts';
import { SITE, outboxSettled } from '../helpers/mail-flow.ts';
import { signIn } from '../helpers/console-session.ts';
import { seedSubscribers } from '../fixtures/subscribers.ts';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(() => stopAll(...cleanup.splice(0).reverse()));

const N = 1010;

describe('the failed deliveries list is searched and paged in the store', () => {
  it(`${N} failures: an address past the first thousand is found; "N of TOTAL"; paging keeps the search`, async () => {
    // A relay that refuses every recipient: every delivery of the notice fails.
    const smtp = await startSmtp(() => ({ code: 554, text: '5.7.1 Message refused' }));
    cleanup.push(() => smtp.close());
    const dataDir = tempDataDir();
    cleanup.push(() => removeDir(dataDir));
    seedSubscribers(
      dataDir,
      Array.from({ length: N }, (_, i) => ({ email: `r${i}x@example.com` })),
    );
    const h = await startHerald({ dataDir, env: { SMTP_URL: smtp.url, SITE_URL: SITE } });
    cleanup.push(() => h.stop());
    await h.admin('/incidents', { body: { name: 'Outage', impact: 'major', status: 'investigating', body: 'Down.', components: {} } });
    await outboxSettled(h, 1, 60_000);

    const s = await signIn(h);
    const get = async (path: string) => (await fetch(`${h.url}${path}`, { headers: { cookie: s.cookie } })).text();
    const rowsOf = (html: string) => [...html.matchAll(/aria-label="Retry delivery to ([^"]+)"/g)].map((m) => m[1]);

    // The last subscriber's delivery failed last: past the first thousand, and first in the list.
    const last = `r${N - 1}x@example.com`;
    const found = await get(`/admin/deliveries?q=${encodeURIComponent(`r${N - 1}x@`)}`);
    expect(rowsOf(found)).toEqual([last]);
    expect(found).toContain('Showing 1 of 1 failed deliveries');

    const all = await get('/admin/deliveries');
    expect(all).toContain(`Showing 1–100 of ${N.toLocaleString('en-GB')} failed deliveries, newest first.`);
    expect(rowsOf(all)).toHaveLength(100);
    expect(rowsOf(all)[0]).toBe(last);

    // Paging keeps the search: "example" matches every address.
    const searched = await get('/admin/deliveries?q=example');
    const older = /href="([^"]*page=2[^"]*)"/.exec(searched)?.[1]?.replaceAll('&amp;', '&');
    expect(older).toBe('/admin/deliveries?q=example&page=2#failed-title');
    const lastPage = await get('/admin/deliveries?q=example&page=11');
    expect(lastPage).toContain(`Showing 1,001–1,010 of 1,010 failed deliveries to an address containing “example”`);
    expect(rowsOf(lastPage)).toHaveLength(10);
    expect(lastPage).toContain('href="/admin/deliveries?q=example&amp;page=10#failed-title"');
    // A page past the last (failures retried since the link was made) shows the last, as the other console lists do.
    const beyond = await get('/admin/deliveries?q=example&page=99');
    expect(beyond).toContain(`Showing 1,001–1,010 of 1,010 failed deliveries to an address containing “example”`);
    expect(rowsOf(beyond)).toHaveLength(10);
    // Every address once across the pages.
    const seen = new Set<string>();
    for (let p = 1; p <= 11; p++) for (const r of rowsOf(await get(`/admin/deliveries?page=${p}`))) seen.add(r!);
    expect(seen.size).toBe(N);

    // The admin API lists the newest 200, and says how many there are.
    const api = await (await h.admin('/deliveries')).json();
    expect(api.failed_total).toBe(N);
    expect(api.failed).toHaveLength(200);
    expect(api.failed[0].email).toBe(last);
    // And pages through them all, searched as the console is.
    const failedPage = async (query: string) => {
      const res = await h.admin(`/deliveries/failed?${query}`);
      return { status: res.status, body: await res.json() };
    };
    const hit = await failedPage(`q=${encodeURIComponent(`R${N - 1}X@`)}`);
    expect(hit.body).toMatchObject({ total: 1, page: 1, per_page: 100 });
    expect(hit.body.failed.map((f: { email: string }) => f.email)).toEqual([last]);
    expect(hit.body.failed[0]).toMatchObject({ subscriber_id: expect.any(String), attempts: 1, kind: 'disruption' });
    const tail = await failedPage('per_page=500&page=3');
    expect(tail.body).toMatchObject({ total: N, page: 3, per_page: 500 });
    expect(tail.body.failed.map((f: { email: string }) => f.email)).toEqual([
      'r9x@example.com',
      ...Array.from({ length: 9 }, (_, i) => `r${8 - i}x@example.com`),
    ]);
    const refused = await failedPage('q=a%00b');
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: 'invalid', field: 'q' });
  });
});

describe('the notices list', () => {
  it('says when older notices are left out of its newest 100, and not before', async () => {
    const h = await startHerald({ env: { SITE_URL: SITE } });
    cleanup.push(() => h.stop());
    const declared = await h.admin('/incidents', { body: { name: 'Long outage', impact: 'major', body: 'Down.', components: {} } });
    const { id } = (await declared.json()) as { id: string };
    const s = await signIn(h);
    const page = async () => (await fetch(`${h.url}/admin/deliveries`, { headers: { cookie: s.cookie } })).text();
    const noticeRows = (html: string) => /<h2 id="notices-title">[\s\S]*?<\/section>/.exec(html)![0].match(/<tr>/g)!.length - 1;
    // The declare and 99 updates, each emailed (to nobody: no one subscribed): 100 notices.
    for (let i = 1; i <= 99; i++) {
      const posted = await h.admin(`/incidents/${id}/updates`, {
        body: { status: 'investigating', body: `Still down (${i}).`, notify: true },
      });
      expect(posted.status).toBe(201);
    }
    await outboxSettled(h, 100, 60_000);
    const hundred = await page();
    expect(noticeRows(hundred)).toBe(100);
    expect(hundred).not.toContain('id="older-notices"');
    expect((await h.admin(`/incidents/${id}/updates`, { body: { status: 'identified', body: 'Found it.', notify: true } })).status).toBe(
      201,
    );
    await outboxSettled(h, 101, 60_000);
    // Before: the 100 newest, and nothing said of the one left out.
    const more = await page();
    expect(noticeRows(more)).toBe(100);
    expect(more).toContain('Only the newest 100 notices are listed.');
  });
});
