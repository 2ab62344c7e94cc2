import ipaddr from 'ipaddr.js';

/**
 * Which addresses Herald may post to on a Comms Lead's behalf (channels):
 * public unicast only, unless ALLOW_PRIVATE_WEBHOOKS (`allowPrivate`) lets
 * private, loopback and IPv6 link-local ones in (and plain http) for tests
 * and internal receivers. Cloud metadata endpoints, and all of 169.254/16,
 * are refused either way.
 */

/** Instance metadata services: never a webhook, whatever ALLOW_PRIVATE_WEBHOOKS says. */
const METADATA = new Set([
  '169.254.169.254',
  '169.254.170.2',
  '169.254.169.253',
  '100.100.100.200',
  '192.0.0.192',
  'fd00:ec2::254',
  'fd00:ec2::23',
]);

/** Why an address may not be posted to, or null when it may. */
export function addressRefusal(address: string, allowPrivate: boolean): string | null {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  const embedded = ip.kind() === 'ipv6' ? embeddedIpv4(ip as ipaddr.IPv6) : null;
  // NAT64, SIIT, 6to4, Teredo, IPv4-compatible: an IPv6 form that reaches an IPv4 address is judged as that address too.
  if (embedded && METADATA.has(embedded)) return `${address} is a cloud metadata address (${embedded})`;
  const normal = ip.toNormalizedString();
  const canonical = ip.kind() === 'ipv6' ? (ip as ipaddr.IPv6).toString() : normal;
  if (METADATA.has(normal) || METADATA.has(canonical)) return `${address} is a cloud metadata address`;
  // Every cloud's instance services answer somewhere in 169.254/16 (EKS Pod Identity at 169.254.170.23 was
  // missing from the list): no webhook lives there, so the whole block is refused, whatever the form.
  if ([ip.toString(), embedded].some((v4) => v4 && ipaddr.IPv4.isValid(v4) && ipaddr.parse(v4).range() === 'linkLocal')) {
    return `${address} is in 169.254.0.0/16, where cloud metadata services answer`;
  }
  const range = ip.range();
  if (range === 'unspecified' || range === 'broadcast' || range === 'multicast') return `${address} is not a destination (${range})`;
  // ipaddr calls ::7f00:1 (how the URL parser writes [::127.0.0.1]) unicast, and ALLOW_PRIVATE_WEBHOOKS lets the
  // translation ranges in: a form that carries an IPv4 address is held to what that address may be, either way.
  if (embedded) {
    const carried = addressRefusal(embedded, allowPrivate);
    if (carried) return `${address} carries ${embedded}: ${carried}`;
  }
  if (range === 'unicast') return null;
  return allowPrivate ? null : `${address} is not a public address (${range}); set ALLOW_PRIVATE_WEBHOOKS=true to allow it`;
}

/** A URL a channel may use, or why not (checked when the channel is saved, and again on every post). */
export function urlRefusal(raw: string, allowPrivate: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'url must be an absolute URL';
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) {
    return allowPrivate ? 'url must use https or http' : 'url must use https (http needs ALLOW_PRIVATE_WEBHOOKS=true)';
  }
  if (url.username || url.password) return 'url must not carry a user name or password';
  // "localhost." is localhost: a trailing dot only makes a name absolute.
  const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (ipaddr.isValid(host)) return addressRefusal(host, allowPrivate);
  if (host === 'localhost' || host.endsWith('.localhost')) return allowPrivate ? null : 'url must not point at this machine';
  return null;
}

/**
 * The IPv4 address an IPv6 address carries, or null: NAT64 (64:ff9b::/96), SIIT's IPv4-translated ::ffff:0:a.b.c.d
 * (RFC 6145) and IPv4-compatible ::a.b.c.d in the low 32 bits, 6to4 (2002::/16) after its prefix, and a Teredo
 * client (2001::/32, RFC 4380) in the low 32 bits inverted.
 */
function embeddedIpv4(ip: ipaddr.IPv6): string | null {
  const p = ip.parts;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const range = ip.range();
  // ::1 and :: are IPv6's own loopback and unspecified addresses, not IPv4-compatible ones.
  const compatible = range === 'unicast' && p.slice(0, 6).every((x) => x === 0);
  if (range === 'rfc6052' || range === 'rfc6145' || compatible) return v4(p[6]!, p[7]!);
  if (range === '6to4') return v4(p[1]!, p[2]!);
  if (range === 'teredo') return v4(~p[6]! & 0xffff, ~p[7]! & 0xffff);
  return null;
}
