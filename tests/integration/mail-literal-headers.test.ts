import { afterEach, describe, expect, it } from 'vitest';
import { stopAll } from '../helpers/server.ts';
import { SITE } from '../helpers/mail-flow.ts';
import { heraldWithRelay } from '../helpers/relay-herald.ts';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(() => stopAll(...cleanup.splice(0).reverse()));

describe('a notice says what was typed, as typed', () => {
  it('an encoded word in the name, a typed HTML link in the text, and the List-ID of a status. host', async () => {
    // SITE_URL's host already starts with "status.".
    expect(new URL(SITE).hostname).toBe('status.example.test');
    const { smtp, h } = await heraldWithRelay(cleanup, () => null, ['reader@example.com']);
    const name = 'Login =?UTF-8?B?4pyFIEFsbCBjbGVhcg==?= errors';
    const body = 'See <a href="https://x.example/y">raw link</a> for the workaround.';
    const res = await h.admin('/incidents', { body: { name, impact: 'major', status: 'investigating', body, components: {} } });
    expect(res.status).toBe(201);
    await smtp.waitFor(1);
    const mail = await smtp.parse(smtp.received[0]!);
    // Before: the subject went out raw and read "… Login ✅ All clear errors".
    expect(mail.subject).toContain(`: ${name}`);
    // Before: "See raw link for the workaround."
    expect(mail.text).toContain('See raw link (https://x.example/y) for the workaround.');
    // Before: <status.status.example.test>.
    expect((mail.headers.get('list') as { id?: { id?: string } }).id?.id).toBe('status.example.test');
  });
});
