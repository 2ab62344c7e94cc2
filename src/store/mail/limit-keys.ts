import type { LinkTokens } from './tokens.ts';

/**
 * The keys the subscribe limits count under (notify/subscribe-limits.ts), on both engines: keyed digests
 * (LinkTokens.counterKey), never the address or IP itself, so the counters (PostgreSQL's
 * mail_subscribe_limits, kept up to a day) do not hold the address of someone who asked to be removed.
 */
export interface LimitKeys {
  ip(ip: string): string;
  /** The address's keys for its short window and its day: one digest of it, under two names. */
  address(email: string): { window: string; day: string };
}

export function limitKeys(tokens: () => LinkTokens): LimitKeys {
  // An address is one whatever its case (the subscribers' rule: subscriber-book.ts, pg-subscribers.ts request).
  return {
    ip: (ip) => `ip:${tokens().counterKey(`ip|${ip}`)}`,
    address: (email) => {
      const digest = tokens().counterKey(`addr|${email.toLowerCase()}`);
      return { window: `addr:${digest}`, day: `day:${digest}` };
    },
  };
}

/** Every counter key of these addresses: what a removal or an erasure deletes with them. */
export function addressLimitKeys(keys: LimitKeys, emails: readonly string[]): string[] {
  return emails.flatMap((e) => {
    const { window, day } = keys.address(e);
    return [window, day];
  });
}
