import ipaddr from 'ipaddr.js';

/** How Herald learns who is asking: TRUST_PROXY and TRUST_PROXY_HOPS from the config. */
export interface ProxyTrust {
  TRUST_PROXY: boolean;
  TRUST_PROXY_HOPS: number;
}

/**
 * The client, as rate limits count it. Without TRUST_PROXY it is the
 * socket's peer. Behind your own proxies (TRUST_PROXY=true) it comes from
 * X-Forwarded-For, where each proxy appends the address it saw: the client
 * may write anything to the left of those, so the address is counted from
 * the right, the TRUST_PROXY_HOPS-th entry (1 = the one your last proxy
 * appended), never the leftmost. See limitKey for IPv6.
 */
export function clientAddress(trust: ProxyTrust, socketAddress: string | undefined, forwardedFor: string | null | undefined): string {
  if (trust.TRUST_PROXY && forwardedFor) {
    const entries = forwardedFor
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    // Fewer entries than hops: the request skipped an outer proxy, and the first entry is what the inner one saw.
    const picked = entries[Math.max(0, entries.length - trust.TRUST_PROXY_HOPS)];
    if (picked) return limitKey(withoutPort(picked.slice(0, 64)));
  }
  return socketAddress ? limitKey(socketAddress) : 'unknown';
}

/**
 * The address of a forwarded entry that names its port too, as some proxies write it (`192.0.2.1:51234`,
 * `[2001:db8::1]:443`; a link-local zone, `fe80::1%eth0`, goes as well): counted with the port, each new
 * connection of one client was a fresh client to every limit.
 */
function withoutPort(entry: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(entry);
  const bare = bracketed ? bracketed[1]! : (/^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(entry)?.[1] ?? entry);
  return bare.replace(/%[^%]*$/, '');
}

/**
 * One client for a limit: an IPv4 address (also written IPv4-mapped, `::ffff:192.0.2.1`, as a dual-stack
 * socket reports it), an IPv6 one by its /64. A host, or a customer of any provider, is given a whole /64:
 * counted by the address, one machine had 2^64 fresh ones to sign in or subscribe from. What is no IP
 * address (a proxy's odd entry) is counted as written.
 */
export function limitKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv4') return ip.toString();
  const v6 = ip as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().toString();
  return `${new ipaddr.IPv6([...v6.parts.slice(0, 4), 0, 0, 0, 0]).toString()}/64`;
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
