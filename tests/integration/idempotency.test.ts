import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { engineEnv, storedText } from '../helpers/engine.ts';

describe('Idempotency-Key on admin writes', () => {
  let h: HeraldProcess;
  beforeAll(async () => {
    h = await startHerald({ env: await engineEnv() });
    expect((await h.admin('/components', { body: { id: 'api', name: 'API' } })).status).toBe(201);
  });
  afterAll(() => stopAll(h));

  const declare = (key: string, name = 'Checkout errors') =>
    h.admin('/incidents', {
      body: { name, impact: 'major', body: 'We are investigating.', components: { api: 'partial_outage' } },
      headers: { 'idempotency-key': key },
    });

  it('a retried publish with the same key and body returns the first answer and publishes once', async () => {
    const first = await declare('retry-1');
    const second = await declare('retry-1');
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await second.json()).toEqual(await first.json());
    const list = await (await h.admin('/incidents')).json();
    expect(list.incidents.filter((i: { name: string }) => i.name === 'Checkout errors')).toHaveLength(1);
  });

  it('the same key with another body is refused with 409 and changes nothing', async () => {
    await declare('reuse-1', 'First name');
    const before = await (await h.admin('/incidents')).json();
    const res = await declare('reuse-1', 'Second name');
    expect(res.status).toBe(409);
    expect((await res.json()).error).toMatchObject({ code: 'idempotency_key_reused', field: 'Idempotency-Key' });
    expect(await (await h.admin('/incidents')).json()).toEqual(before);
  });

  it('concurrent twins (a double click) publish once', async () => {
    const answers = await Promise.all([declare('twin-1', 'Twin'), declare('twin-1', 'Twin'), declare('twin-1', 'Twin')]);
    expect(answers.map((r) => r.status)).toEqual([201, 201, 201]);
    const ids = new Set(await Promise.all(answers.map(async (r) => (await r.json()).id)));
    expect(ids.size).toBe(1);
    const list = await (await h.admin('/incidents')).json();
    expect(list.incidents.filter((i: { name: string }) => i.name === 'Twin')).toHaveLength(1);
  });

  it('keeps an id, not the answer, under a key: a long incident does not fill the document, and a retry answers it as it is now', async () => {
    const declared = await declare('long-0', 'Long incident');
    const id = (await declared.json()).id as string;
    const text = `${'The ledger replica is catching up after the failover. '.repeat(70)}`; // about 4 KB
    const post = (i: number) =>
      h.admin(`/incidents/${id}/updates`, {
        body: { status: 'identified', body: `${i}: ${text}` },
        headers: { 'idempotency-key': `long-${i}` },
      });
    for (let i = 1; i <= 30; i++) expect((await post(i)).status).toBe(201);

    // Each answer carries the whole trail (up to 120 KB here); before, every key kept its own: 1.9 MB in all.
    const stored = JSON.parse(await storedText(h)) as { idempotency: { key: string }[] };
    const keys = stored.idempotency.filter((r) => r.key.startsWith('long-'));
    expect(keys).toHaveLength(31);
    expect(JSON.stringify(keys).length).toBeLessThan(31 * 300);

    // The first update's retry: nothing is posted again, and the answer shows the incident as it is.
    const again = await post(1);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const shown = await again.json();
    expect(shown.id).toBe(id);
    expect(shown.incident_updates).toHaveLength(31);
    expect(shown.incident_updates[0].body).toMatch(/^30: /);

    // An incident withdrawn since cannot be shown again: its retry says so, and declares nothing.
    expect((await h.admin(`/incidents/${id}`, { method: 'DELETE' })).status).toBe(204);
    const gone = await declare('long-0', 'Long incident');
    expect(gone.status).toBe(404);
    expect((await gone.json()).error.message).toContain('was withdrawn since');
    const list = await (await h.admin('/incidents')).json();
    expect(list.incidents.filter((i: { name: string }) => i.name === 'Long incident')).toHaveLength(0);
  });

  it('a malformed key is a 422 naming the header', async () => {
    const res = await declare('bad key with spaces');
    expect(res.status).toBe(422);
    expect((await res.json()).error.field).toBe('Idempotency-Key');
  });
});
