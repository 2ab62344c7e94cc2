import type { LimitKeys } from '../store/mail/limit-keys.ts';

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

/** A subscribe request's two steps of counting, for both engines (see subscribeLimits for their order). */
export interface SubscribeLimits {
  /** Counts the request against its client; seconds to wait, 0 to go on. */
  client(ip: string): Promise<number>;
  /** Counts the request against the address it names; seconds to wait, 0 to go on. */
  address(email: string): Promise<number>;
}

/**
 * The subscribe limits over an engine's counters. The order is the caller's (service.ts subscribe): the
 * client first, every request it makes; an address only once its sender passed the per-IP limit (a flood
 * from one client cannot use up or reset the counters of addresses it does not own) and the request is
 * otherwise valid (a request refused for what it asks, an unknown component, is no email); the day's cap
 * only once the short window let it through (a refused request is no email either).
 */
export function subscribeLimits(cfg: SubscribeLimitConfig, keys: LimitKeys, hit: CountHit): SubscribeLimits {
  const windowMs = cfg.SUBSCRIBE_LIMIT_WINDOW_SECONDS * 1000;
  return {
    async client(ip) {
      return hit({ kind: 'ip', key: keys.ip(ip), limit: cfg.SUBSCRIBE_LIMIT_PER_IP, windowMs });
    },
    async address(email) {
      const key = keys.address(email);
      const addressWait = await hit({ kind: 'address', key: key.window, limit: cfg.SUBSCRIBE_LIMIT_PER_ADDRESS, windowMs });
      if (addressWait > 0) return addressWait;
      return hit({ kind: 'day', key: key.day, limit: cfg.SUBSCRIBE_LIMIT_PER_ADDRESS_PER_DAY, windowMs: 86_400_000 });
    },
  };
}
