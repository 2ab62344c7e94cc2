/**
 * The first `limit` of `sorted`, never leaving out one that is `live`: a list or a feed cut at `limit` must keep
 * what is going on now (an open incident whose start a backfill put far back, a running window behind 50 planned
 * further ahead, a bulk backfill's just-written past incidents). Keeps `sorted`'s order; the live ones alone may
 * exceed `limit`.
 */
export function cutKeepingLive<T>(sorted: readonly T[], live: (t: T) => boolean, limit: number): T[] {
  let room = Math.max(0, limit - sorted.filter(live).length);
  return sorted.filter((t) => live(t) || room-- > 0);
}

/** Newer instant first (ISO strings): by instant, not by string, since stored times may carry different offsets. */
export const laterFirst = (a: string, b: string): number => Date.parse(b) - Date.parse(a);
