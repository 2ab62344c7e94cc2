import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, stopAll, type HeraldProcess } from '../helpers/server.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { SITE, outboxSettled, subscribeAndConfirm, to } from '../helpers/mail-flow.ts';

/**
 * The envelope's sender (SMTP MAIL FROM) is MAIL_FROM's one address, in ASCII, for every message: the
 * confirmations nodemailer composes and the notices Herald prebuilds alike. The notices once took the first
 * "<...>" of MAIL_FROM's text: a Unicode domain went out as it was (refused by a relay without SMTPUTF8, as
 * RFC 5321 and 6531 have it) and a display name holding "<alerts>" gave MAIL FROM:<alerts>, so the relay
 * refused every notice while it took every confirmation. A name with a comma, unquoted as people write it, is
 * one mailbox too: the From header quotes it, so no mail client reads two senders.
 */
describe.each([
  ['a Unicode domain', 'Bücher Status <status@bücher.example>', 'status@xn--bcher-kva.example', 'Bücher Status'],
  ['a display name holding <...>', '"Status <alerts>" <status@example.com>', 'status@example.com', 'Status <alerts>'],
  ['an unquoted comma in its name', 'Acme, Inc. Status <status@example.com>', 'status@example.com', 'Acme, Inc. Status'],
])('MAIL_FROM with %s', (_name, mailFrom, sender, displayName) => {
  let smtp: TestSmtp;
  let h: HeraldProcess;
  beforeAll(async () => {
    smtp = await startSmtp(undefined, { commands: true });
    h = await startHerald({ env: { SMTP_URL: smtp.url, SITE_URL: SITE, MAIL_FROM: mailFrom } });
    expect((await h.admin('/components', { body: { id: 'api', name: 'API' } })).status).toBe(201);
  });
  afterAll(() => stopAll(h, smtp));

  it('is the envelope sender of the confirmation, the disruption notice and the restoration notice', async () => {
    await subscribeAndConfirm(h, smtp, 'reader@example.com', ['api']);
    const declared = await h.admin('/incidents', {
      body: { name: 'API errors', impact: 'major', status: 'investigating', body: 'Looking.', components: { api: 'major_outage' } },
    });
    expect(declared.status).toBe(201);
    const { id } = (await declared.json()) as { id: string };
    await outboxSettled(h, 1);
    expect((await h.admin(`/incidents/${id}/updates`, { body: { status: 'resolved', body: 'Fixed.' } })).status).toBe(201);
    const { failed } = await outboxSettled(h, 2);
    expect(failed, 'messages the relay refused').toEqual([]);
    expect(to(smtp, 'reader@example.com')).toHaveLength(3);

    const senders = smtp.mailCommands.map((c) => /^MAIL FROM:<([^>]*)>/i.exec(c)?.[1]);
    expect(senders).toEqual([sender, sender, sender]);
    // Nothing asks the relay for SMTPUTF8: the address is ASCII.
    for (const c of smtp.mailCommands) expect(c).toMatch(/^[\x20-\x7e]+$/);
    for (const c of smtp.mailCommands) expect(c).not.toMatch(/SMTPUTF8/i);
    // The From header's address is the same (mailparser would show a punycode domain decoded: the raw line is read).
    const froms = to(smtp, 'reader@example.com').map((r) => /^From: .*<([^>]+)>\r?$/m.exec(r.raw)?.[1]);
    expect(froms).toEqual([sender, sender, sender]);
    for (const r of to(smtp, 'reader@example.com')) {
      const from = (await smtp.parse(r)).from?.value;
      expect(from?.map((f) => f.name)).toEqual([displayName]);
    }
  });
});
