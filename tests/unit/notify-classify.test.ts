import { describe, expect, it } from 'vitest';
import { backoffMs, classify, describe as describeError, isUnknownMailbox } from '../../src/notify/classify.ts';

describe('classify: what a send failure means for the queue', () => {
  const cases: Array<[string, object, 'retry' | 'permanent' | 'halt']> = [
    ['451 greylisting is retried', { code: 'EMESSAGE', responseCode: 451, response: '451 4.7.1 Try again later' }, 'retry'],
    ['421 service closing is retried', { code: 'ECONNECTION', responseCode: 421 }, 'retry'],
    ['452 mailbox full is retried', { code: 'EENVELOPE', responseCode: 452 }, 'retry'],
    ['a dropped connection is retried', { code: 'ECONNECTION' }, 'retry'],
    ['a refused connection is retried', { code: 'ECONNREFUSED' }, 'retry'],
    ['a timeout is retried', { code: 'ETIMEDOUT' }, 'retry'],
    ['an unknown error is retried', { message: 'weird' }, 'retry'],
    ['550 unknown user fails for good', { code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 No such user' }, 'permanent'],
    ['554 rejected content fails for good', { code: 'EMESSAGE', responseCode: 554 }, 'permanent'],
    ['an unbuildable envelope fails for good', { code: 'EENVELOPE' }, 'permanent'],
    ['bad credentials halt the queue', { code: 'EAUTH', responseCode: 535 }, 'halt'],
    ['535 without a code halts the queue', { responseCode: 535 }, 'halt'],
    ['530 authentication required halts the queue', { code: 'EENVELOPE', responseCode: 530 }, 'halt'],
    ['missing credentials halt the queue', { code: 'ENOAUTH' }, 'halt'],
    ['a TLS mismatch halts the queue', { code: 'ETLS' }, 'halt'],
    ['an unknown SMTP host halts the queue', { code: 'EDNS' }, 'halt'],
    ['bad configuration halts the queue', { code: 'ECONFIG' }, 'halt'],
  ];
  for (const [name, err, verdict] of cases) it(name, () => expect(classify(err)).toBe(verdict));

  it('suppresses only addresses the server says do not exist', () => {
    const rcpt = { command: 'RCPT TO' };
    expect(isUnknownMailbox({ ...rcpt, responseCode: 550, response: '550 5.1.1 <x@example.com>: Recipient address rejected' })).toBe(true);
    expect(isUnknownMailbox({ ...rcpt, responseCode: 550, response: '550 Unknown user' })).toBe(true);
    expect(isUnknownMailbox({ command: 'DATA', responseCode: 550, response: '550 5.1.1 User unknown' })).toBe(true);
    // Microsoft 365's answer for a mailbox it does not have. Before: tried again with every notice.
    const m365 = '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup';
    expect(isUnknownMailbox({ ...rcpt, responseCode: 550, response: m365 })).toBe(true);
    expect(isUnknownMailbox({ ...rcpt, responseCode: 550, response: '550 5.1.100 something else' })).toBe(false);
    expect(isUnknownMailbox({ ...rcpt, responseCode: 550, response: '550 5.7.1 Message rejected as spam' })).toBe(false);
    expect(isUnknownMailbox({ ...rcpt, responseCode: 451, response: '451 4.1.1 try later' })).toBe(false);
  });

  it('reads "unknown user" as the recipient only where the reply is about the recipient', () => {
    // Postfix's sender verification on a missing noreply mailbox: at MAIL FROM, or at RCPT TO (smtpd_delay_reject).
    const sender = '550 5.1.0 <noreply@example.test>: Sender address rejected: undeliverable address: unknown user';
    for (const command of ['MAIL FROM', 'RCPT TO', 'DATA']) {
      expect(isUnknownMailbox({ code: 'EENVELOPE', command, responseCode: 550, response: sender })).toBe(false);
      expect(classify({ code: 'EENVELOPE', command, responseCode: 550, response: sender })).toBe('halt');
    }
    expect(isUnknownMailbox({ code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 550, response: '550 5.1.1 No such user' })).toBe(
      false,
    );
    // No step known (not from the SMTP client): not taken as the recipient's.
    expect(isUnknownMailbox({ responseCode: 550, response: '550 5.1.1 No such user' })).toBe(false);
  });

  it('halts on a refusal of the setup at any step before the recipient, and on account-wide limits', () => {
    const halts: Array<[string, string, number, string]> = [
      ['EPROTOCOL', 'CONN', 554, '554 5.7.1 Access denied: client host not permitted to relay'],
      ['EPROTOCOL', 'HELO', 550, '550 5.7.1 Bad HELO'],
      ['EENVELOPE', 'MAIL FROM', 554, '554 5.2.252 SendAsDenied; noreply@example.test not allowed to send as noreply@example.test'],
      ['EMESSAGE', 'DATA', 554, '554 5.2.252 SendAsDenied; not allowed to send as this sender'],
      ['EENVELOPE', 'RCPT TO', 554, '554 5.7.1 <a@example.com>: Relay access denied'],
      ['EENVELOPE', 'MAIL FROM', 550, '550 5.4.5 Daily user sending limit exceeded.'],
      ['EMESSAGE', 'DATA', 550, '550 5.4.5 Daily user sending limit exceeded.'],
      // Exchange's words for a connector that will not relay for Herald.
      ['EENVELOPE', 'RCPT TO', 550, '550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain'],
      // Postfix refuses the client at RCPT TO too (smtpd_delay_reject): its restrictions and its DNS blocklists;
      // and Microsoft 365 a banned sending address. Before: each recipient refused for good, the queue not paused.
      ['EENVELOPE', 'RCPT TO', 554, '554 5.7.1 <unknown[192.0.2.1]>: Client host rejected: Access denied'],
      ['EENVELOPE', 'RCPT TO', 554, '554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org'],
      ['EENVELOPE', 'RCPT TO', 550, '550 5.7.1 Client host rejected: cannot find your hostname, [192.0.2.1]'],
      ['EENVELOPE', 'RCPT TO', 550, '550 5.7.606 Access denied, banned sending IP [192.0.2.1].'],
    ];
    for (const [code, command, responseCode, response] of halts) {
      expect(classify({ code, command, responseCode, response }), response).toBe('halt');
      expect(isUnknownMailbox({ code, command, responseCode, response })).toBe(false);
    }
    // A recipient's refusal stays the message's; a per-minute rate limit is backed off from, message by message.
    expect(classify({ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550, response: '550 5.1.1 No such user' })).toBe('permanent');
    expect(classify({ code: 'EMESSAGE', command: 'DATA', responseCode: 554, response: '554 5.7.1 Message rejected as spam' })).toBe(
      'permanent',
    );
    expect(classify({ code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 451, response: '451 4.7.1 Try again later' })).toBe('retry');
    // From the review: a status code's digits elsewhere in the reply (a client address) are not one, so a hard
    // bounce quoting [10.5.4.5] is the recipient's and suppresses it, and a spam refusal quoting [10.5.1.7] stays
    // the message's. Before: both paused the queue.
    const bounce = { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550, response: '550 5.1.1 user unknown [client 10.5.4.5]' };
    expect([classify(bounce), isUnknownMailbox(bounce)]).toEqual(['permanent', true]);
    expect(
      classify({ code: 'EMESSAGE', command: 'DATA', responseCode: 550, response: '550 5.7.1 [10.5.1.7] unsolicited mail refused' }),
    ).toBe('permanent');
    // One message too large, refused at MAIL FROM: that message's, not the setup's (it would lead the queue at every resume).
    expect(
      classify({ code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 552, response: '552 5.3.4 Message size exceeds fixed limit' }),
    ).toBe('permanent');
    // A daily quota said as "try later" (4xx, Amazon SES) is retried with backoff, not paused until someone resumes.
    expect(
      classify({ code: 'EMESSAGE', command: 'DATA', responseCode: 454, response: '454 Throttling failure: Daily message quota exceeded.' }),
    ).toBe('retry');
    expect(
      classify({
        code: 'EMESSAGE',
        command: 'DATA',
        responseCode: 454,
        response: '454 Throttling failure: Maximum sending rate exceeded.',
      }),
    ).toBe('retry');
  });

  it('keeps error text on one line', () => {
    expect(describeError({ code: 'EMESSAGE', response: '550 bad\r\nX-Injected: 1' })).toBe('EMESSAGE: 550 bad X-Injected: 1');
    // Cut to 300 code units between characters: no emoji split in two (a lone surrogate in last_error).
    const long = describeError({ code: 'EMESSAGE', response: `550 x${'\u{1F600}'.repeat(200)}` });
    expect(long.isWellFormed()).toBe(true);
    expect(long.length).toBe(299);
  });
  it('leaves out the addresses a relay repeats, in angle brackets or not, and keeps the rest', () => {
    const cases: Array<[string, string]> = [
      ['550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown', '<address>: Recipient address rejected'],
      [
        '550 5.1.10 RecipientNotFound; Recipient Ana.Pérez+status@bücher.de not found by SMTP address lookup',
        'Recipient <address> not found',
      ],
      ['552 5.2.2 mailbox of user@mail.example.co.uk, is full', 'mailbox of <address>, is full'],
    ];
    for (const [response, kept] of cases) {
      const d = describeError({ code: 'EENVELOPE', response });
      expect(d).toContain(kept);
      expect(d).not.toMatch(/@/);
    }
    expect(describeError({ code: 'EAUTH', response: '535 5.7.8 Authentication credentials invalid' })).toBe(
      'EAUTH: 535 5.7.8 Authentication credentials invalid',
    );
  });
});

describe('backoff', () => {
  it('doubles per attempt within [50 %, 100 %] of the step', () => {
    expect(backoffMs(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(backoffMs(1, 1000, 60_000, () => 0)).toBe(500);
    expect(backoffMs(3, 1000, 60_000, () => 1)).toBe(4000);
    expect(backoffMs(3, 1000, 60_000, () => 0)).toBe(2000);
  });
  it('never exceeds the cap', () => {
    expect(backoffMs(30, 1000, 60_000, () => 1)).toBe(60_000);
  });
  it('is jittered', () => {
    const seen = new Set(Array.from({ length: 20 }, () => backoffMs(4, 1000, 60_000)));
    expect(seen.size).toBeGreaterThan(1);
  });
});
