import { expect } from 'vitest';
import type { HeraldProcess } from './server.ts';

/** A window on the `api` component through the admin API, `inDays` from now on a whole minute, an hour long: its id. */
export async function scheduleWindow(h: HeraldProcess, name: string, inDays = 1): Promise<string> {
  const from = Math.ceil((Date.now() + inDays * 86_400_000) / 60_000) * 60_000;
  const res = await h.admin('/maintenances', {
    body: {
      name,
      scheduled_for: new Date(from).toISOString(),
      scheduled_until: new Date(from + 3600_000).toISOString(),
      components: ['api'],
    },
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/** A window as the admin API reads it. */
export async function windowOf(
  h: HeraldProcess,
  id: string,
): Promise<{ status: string; scheduled_for: string; scheduled_until: string; sequence: number; cancelled_at: string | null }> {
  return (await (await h.admin(`/maintenances/${id}`)).json()) as Awaited<ReturnType<typeof windowOf>>;
}

/**
 * The day `inDays` from now as a console form writes it, for a site in UTC (the default zone): a window a
 * test schedules there must stay ahead of the clock, whatever day the suite runs.
 */
export const formDay = (inDays: number): string => new Date(Date.now() + inDays * 86_400_000).toISOString().slice(0, 10);
