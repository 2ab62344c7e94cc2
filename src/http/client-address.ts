/** How Herald learns who is asking: TRUST_PROXY and TRUST_PROXY_HOPS from the config. */
export interface ProxyTrust {
  TRUST_PROXY: boolean;
  TRUST_PROXY_HOPS: number;
}

/**
 * The client's address, for rate limits. Without TRUST_PROXY it is the
 * socket's peer. Behind your own proxies (TRUST_PROXY=true) it comes from
 * X-Forwarded-For, where each proxy appends the address it saw: the client
 * may write anything to the left of those, so the address is counted from
 * the right, the TRUST_PROXY_HOPS-th entry (1 = the one your last proxy
 * appended), never the leftmost.
 */
export function clientAddress(trust: ProxyTrust, socketAddress: string | undefined, forwardedFor: string | null | undefined): string {
  if (trust.TRUST_PROXY && forwardedFor) {
    const entries = forwardedFor
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    // Fewer entries than hops: the request skipped an outer proxy, and the first entry is what the inner one saw.
    const picked = entries[Math.max(0, entries.length - trust.TRUST_PROXY_HOPS)];
    if (picked) return picked.slice(0, 64);
  }
  return socketAddress ?? 'unknown';
}

/** The client's address for a page Astro renders (its `clientAddress` throws where the adapter has no socket). */
export function pageClientAddress(trust: ProxyTrust, page: { readonly clientAddress: string; readonly request: Request }): string {
  let socket: string | undefined;
  try {
    socket = page.clientAddress;
  } catch {
    socket = undefined;
  }
  return clientAddress(trust, socket, page.request.headers.get('x-forwarded-for'));
}
