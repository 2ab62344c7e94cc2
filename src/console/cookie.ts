import { SESSION_MAX_MS } from './sessions.ts';

/**
 * The session cookie. Over HTTPS it is `__Host-herald_session` (browsers then
 * insist on Secure, Path=/ and no Domain, so no subdomain can set or read
 * it). Browsers refuse `__Host-` cookies without Secure, so on plain http
 * (localhost development) it is `herald_session`.
 */
export function sessionCookie(siteUrl: string): { name: string; secure: boolean } {
  const secure = siteUrl.startsWith('https:');
  return { name: secure ? '__Host-herald_session' : 'herald_session', secure };
}

/** A Set-Cookie value for the session (or its removal when token is null). */
export function sessionSetCookie(siteUrl: string, token: string | null): string {
  const { name, secure } = sessionCookie(siteUrl);
  const maxAge = token === null ? 0 : Math.floor(SESSION_MAX_MS / 1000);
  return `${name}=${token ?? ''}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
}

/** Reads one cookie from a Cookie header. */
export function readCookie(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
