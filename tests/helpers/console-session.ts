import type { HeraldProcess } from './server.ts';

/** A signed-in console session over plain HTTP: its cookie and the CSRF token its forms carry. */
export interface ConsoleSession {
  cookie: string;
  csrf: string;
  /** Posts a console form as the browser would (same-origin, with the session cookie and CSRF token). */
  post(path: string, fields: Record<string, string>, init?: { body?: string; contentType?: string }): Promise<Response>;
}

/** A url-encoded form body. */
export const formBody = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/** Signs in to the console with the admin token, as `name`. */
export async function signIn(h: HeraldProcess, name = 'Dana'): Promise<ConsoleSession> {
  const res = await fetch(`${h.url}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: h.url, 'content-type': 'application/x-www-form-urlencoded' },
    body: formBody({ name, secret: h.token }),
  });
  if (res.status !== 303) throw new Error(`sign-in answered ${res.status}`);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const dashboard = await (await fetch(`${h.url}/admin`, { headers: { cookie } })).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(dashboard)?.[1];
  if (!csrf) throw new Error('no CSRF token on the dashboard');
  return {
    cookie,
    csrf,
    post: (path, fields, init = {}) =>
      fetch(`${h.url}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { origin: h.url, cookie, 'content-type': init.contentType ?? 'application/x-www-form-urlencoded' },
        body: init.body ?? formBody({ csrf, ...fields }),
      }),
  };
}
