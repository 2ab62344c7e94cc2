import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopAll, tempDataDir, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { outboxSettled, startMailedSite, to } from '../helpers/mail-flow.ts';
import { until } from '../helpers/poll.ts';

/**
 * The postmortem email quotes the postmortem's Summary. From a hunt: a reference-style link in it ("the
 * [verification guide][guide]", its definition at the end of the document, as Markdown editors put it) came out
 * literally, brackets and label, in both parts: the Summary was quoted without the definitions.
 */
type Json = Record<string, any>;
let smtp: TestSmtp;
let h: HeraldProcess;
const dataDir = tempDataDir();
const EMAIL = 'ops@example.com';

beforeAll(async () => {
  smtp = await startSmtp();
  h = await startMailedSite(dataDir, smtp, [{ id: 'api', name: 'API' }]);
}, 60_000);
afterAll(() => stopAll(h, smtp, dataDir));

describe('a reference-style link in the Summary the postmortem email quotes', () => {
  it('links in the HTML part and reads "text (url)" in the text part', async () => {
    const made = await h.admin('/incidents', {
      body: { name: 'Logins failing', impact: 'minor', body: 'Looking.', components: { api: 'degraded_performance' } },
    });
    expect(made.status).toBe(201);
    const { id } = (await made.json()) as Json;
    expect((await h.admin(`/incidents/${id}/updates`, { body: { status: 'resolved', body: 'Fixed.' } })).status).toBe(201);
    await outboxSettled(h);
    const n = to(smtp, EMAIL).length;

    const body = [
      '## Summary',
      '',
      'Logins failed for an hour. If yours still does, see the [verification guide][guide] or [our help page].',
      '',
      '## Root cause',
      '',
      'An expired certificate.',
      '',
      '[guide]: https://help.example.test/verify "Verifying your account"',
      '[our help page]: <https://help.example.test/logins>',
    ].join('\n');
    const put = await h.admin(`/incidents/${id}/postmortem`, { method: 'PUT', body: { body, publish: true, notify: true } });
    expect(put.status).toBe(200);
    await until(() => to(smtp, EMAIL).length > n, 'the postmortem email');
    await outboxSettled(h);
    expect(to(smtp, EMAIL)).toHaveLength(n + 1);
    const mail = await smtp.parse(to(smtp, EMAIL)[n]!);
    expect(mail.subject).toContain('Postmortem: Logins failing');

    // Before: "see the [verification guide][guide] or [our help page]." in both parts.
    const html = String(mail.html);
    expect(html).not.toContain('[guide]');
    expect(html).toMatch(
      /see the <a href="https:\/\/help\.example\.test\/verify"[^>]*>verification guide<\/a> or <a href="https:\/\/help\.example\.test\/logins"[^>]*>our help page<\/a>\./,
    );
    const text = mail.text ?? '';
    expect(text).toContain(
      'see the verification guide (https://help.example.test/verify) or our help page (https://help.example.test/logins).',
    );
    expect(text).not.toContain('[guide]');
    // The definitions themselves show nowhere, and nothing after the Summary is quoted.
    expect(text).not.toContain('Verifying your account');
    expect(text).not.toContain('An expired certificate');
  });
});
