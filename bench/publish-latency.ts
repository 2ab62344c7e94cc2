import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';
import type { HeraldProcess } from '../tests/helpers/server.ts';

/** One publish under load: how long until each public surface shows it. */
export interface PublishSample {
  /** Admin API answer time (the durable write included). */
  adminMs: number;
  /** From sending the publish until the surface first answered with it, per path. */
  visibleMs: Record<string, number>;
  /** One GET /healthz from the same client just before the publish: what any round trip costs under this load. */
  roundTripMs: number;
}

/**
 * Declares an incident through the admin API while autocannon keeps
 * `connections` clients busy on `/`, and polls each of `paths` back to back
 * until its body contains the new incident's name. The load runs in a worker
 * thread: sharing this event loop, it would delay the measuring requests on
 * the client side (a visitor is not the load generator's process).
 */
export async function measurePublish(
  herald: HeraldProcess,
  paths: string[],
  opts: { connections: number; round: number },
): Promise<PublishSample> {
  const load = autocannon({ url: `${herald.url}/`, connections: opts.connections, duration: 60, workers: 1 });
  try {
    await new Promise((r) => setTimeout(r, 1000));
    const name = `Bench publish ${opts.round} ${Date.now().toString(36)}`;
    const body = { name, impact: 'critical', status: 'investigating', body: `Load round ${opts.round}.` };
    const probe = performance.now();
    await (await fetch(`${herald.url}/healthz`)).text();
    const roundTripMs = performance.now() - probe;
    const t0 = performance.now();
    const admin = herald.admin('/incidents', { body }).then(async (res) => {
      if (res.status !== 201) throw new Error(`publish answered ${res.status}: ${await res.text()}`);
      const created = (await res.json()) as { id: string };
      return { ms: performance.now() - t0, id: created.id };
    });
    const visible = await Promise.all(paths.map((p) => pollUntil(`${herald.url}${p}`, name, t0)));
    const { ms, id } = await admin;
    load.stop();
    // Resolve it, so the next round's incident is the only open one (the banner shows one).
    await herald.admin(`/incidents/${encodeURIComponent(id)}/updates`, { body: { status: 'resolved', body: 'Done.' } });
    return { adminMs: ms, visibleMs: Object.fromEntries(paths.map((p, i) => [p, visible[i]!])), roundTripMs };
  } finally {
    load.stop();
  }
}

async function pollUntil(url: string, needle: string, t0: number): Promise<number> {
  const deadline = t0 + 10_000;
  while (performance.now() < deadline) {
    const res = await fetch(url, { headers: { 'cache-control': 'no-cache' } });
    const text = await res.text();
    if (text.includes(needle)) return performance.now() - t0;
  }
  throw new Error(`${url} did not show "${needle}" within 10 s`);
}
