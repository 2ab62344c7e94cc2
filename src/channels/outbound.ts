import http from 'node:http';
import https from 'node:https';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { addressRefusal, urlRefusal } from '../http/address-policy.ts';

/**
 * Posting to an address a Comms Lead typed, safely: https only, and never to
 * a private, loopback, link-local or otherwise non-public address, checked on
 * the address actually connected to (the DNS answer at connect time, so a
 * name that re-resolves to 127.0.0.1 fails too). `allowPrivate` lifts that
 * for tests and internal receivers (and allows plain http), but cloud
 * metadata endpoints stay refused. Redirects are not followed, answers are
 * read up to 64 KB, and a request gets 5 seconds in all.
 */
export interface PostOptions {
  allowPrivate: boolean;
  timeoutMs?: number;
  maxBytes?: number;
  /** The DNS lookup to check and connect with (tests stand in a resolver that answers what they need). */
  resolver?: typeof dnsLookup;
}

export interface PostAnswer {
  status: number;
  /** The Retry-After header, as sent. */
  retryAfter: string | null;
  body: string;
}

/** Why a post did not get an answer: refused before connecting, timed out, or a network error. */
export class PostFailed extends Error {
  readonly reason: 'refused' | 'timeout' | 'network';
  constructor(reason: PostFailed['reason'], message: string) {
    super(message);
    this.reason = reason;
  }
}

function safeLookup(allowPrivate: boolean, resolver: typeof dnsLookup): LookupFunction {
  return (hostname, options, callback) => {
    resolver(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as LookupAddress[];
      // Every answer must be allowed: a name with one public and one private address is refused.
      const refused = list.map((a) => ({ address: a.address, why: addressRefusal(a.address, allowPrivate) })).find((r) => r.why !== null);
      if (refused) {
        const message = `refused: ${hostname} resolves to ${refused.address}: ${refused.why}`;
        return callback(Object.assign(new Error(message), { code: 'EREFUSED_ADDRESS' }), '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

const agents = {
  http: new http.Agent({ keepAlive: true }),
  https: new https.Agent({ keepAlive: true }),
};

/** POSTs a JSON body. Resolves with the answer (any status); rejects with PostFailed when there is none. */
export function postJson(rawUrl: string, body: string, headers: Record<string, string>, o: PostOptions): Promise<PostAnswer> {
  const refusal = urlRefusal(rawUrl, o.allowPrivate);
  if (refusal) return Promise.reject(new PostFailed('refused', refusal));
  const url = new URL(rawUrl);
  const secure = url.protocol === 'https:';
  const maxBytes = o.maxBytes ?? 64 * 1024;
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const req = (secure ? https : http).request(
      {
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || (secure ? 443 : 80),
        path: `${url.pathname}${url.search}`,
        agent: secure ? agents.https : agents.http,
        lookup: safeLookup(o.allowPrivate, o.resolver ?? dnsLookup),
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body).toString(),
          'user-agent': 'Herald-Webhooks/1',
          ...headers,
        },
      },
      (res) => {
        answered = () => finish();
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size >= maxBytes) return;
          chunks.push(c.subarray(0, maxBytes - size));
          size += c.length;
          // Enough read: the answer's body is only kept for the log.
          if (size >= maxBytes) res.destroy();
        });
        const finish = () =>
          done(() =>
            resolve({
              status: res.statusCode ?? 0,
              retryAfter: (res.headers['retry-after'] as string | undefined) ?? null,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        res.on('end', finish);
        res.on('close', finish);
        res.on('error', finish);
      },
    );
    // Set once the status line is in: a receiver whose body is late still answered, and retrying would post twice.
    let answered: (() => void) | null = null;
    const timer = setTimeout(() => {
      if (answered) answered();
      else done(() => reject(new PostFailed('timeout', `no answer within ${o.timeoutMs ?? 5000} ms`)));
      req.destroy();
    }, o.timeoutMs ?? 5000);
    req.on('error', (err: NodeJS.ErrnoException) =>
      done(() => reject(new PostFailed(err.code === 'EREFUSED_ADDRESS' ? 'refused' : 'network', err.message.replace(/^refused: /, '')))),
    );
    req.end(body);
  });
}
