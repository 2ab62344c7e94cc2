/** The subscribe limits' settings (src/config.ts). */
export interface SubscribeLimitConfig {
  SUBSCRIBE_LIMIT_PER_IP: number;
  SUBSCRIBE_LIMIT_PER_ADDRESS: number;
  SUBSCRIBE_LIMIT_WINDOW_SECONDS: number;
  SUBSCRIBE_LIMIT_PER_ADDRESS_PER_DAY: number;
}

/** One of the limits: which, the key it counts under, how many it lets through, over how long. */
export interface SubscribeLimit {
  kind: 'ip' | 'address' | 'day';
  key: string;
  limit: number;
  windowMs: number;
}

/** Counts one request under a limit (each engine keeps its counters its own way); seconds to wait, 0 if let through. */
export type CountHit = (limit: SubscribeLimit) => number | Promise<number>;

/**
 * The seconds a subscribe request from `ip` for `email` must wait, 0 to go on, for both engines. The client
 * first; an address is counted only once its sender passed the per-IP limit (a flood from one client cannot use
 * up or reset the counters of addresses it does not own); the day's cap only once the short window let it
 * through (a refused request is no email).
 */
export async function subscribeWait(cfg: SubscribeLimitConfig, ip: string, email: string, hit: CountHit): Promise<number> {
  const windowMs = cfg.SUBSCRIBE_LIMIT_WINDOW_SECONDS * 1000;
  const address = email.toLowerCase();
  const ipWait = await hit({ kind: 'ip', key: `ip:${ip}`, limit: cfg.SUBSCRIBE_LIMIT_PER_IP, windowMs });
  if (ipWait > 0) return ipWait;
  const addressWait = await hit({ kind: 'address', key: `addr:${address}`, limit: cfg.SUBSCRIBE_LIMIT_PER_ADDRESS, windowMs });
  if (addressWait > 0) return addressWait;
  return hit({ kind: 'day', key: `day:${address}`, limit: cfg.SUBSCRIBE_LIMIT_PER_ADDRESS_PER_DAY, windowMs: 86_400_000 });
}
