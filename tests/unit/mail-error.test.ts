import { describe, expect, it } from 'vitest';
import { pausedAdvice, plainMailError } from '../../src/console/mail-error.ts';

describe('a mail error in plain words', () => {
  it.each([
    ['EAUTH: 535 5.7.8 Authentication credentials invalid', 'refused the login', true],
    ['ECONNECTION: connect ECONNREFUSED 127.0.0.1:2526', 'refused the connection', false],
    ['ETIMEDOUT: Connection timeout', 'could not be reached', false],
    ['EENVELOPE: 554 5.7.1 <address>: Recipient address rejected: Access denied', 'refused the recipient (5.7.1)', false],
    // Not paused on this replica (another one paused, or it came before the pause): still not a recipient's.
    // Before: "refused the recipient", beside a pause saying "not a recipient".
    ['EENVELOPE: 554 5.7.1 <unknown[192.0.2.1]>: Client host rejected: not permitted', 'refused to take mail from Herald (5.7.1)', false],
    ['EENVELOPE: 554 5.7.1 Relay access denied', 'refused to take mail from Herald (5.7.1)', false],
    ['EMESSAGE: 451 4.7.1 Greylisted', 'try again later', false],
  ])('%s → %s', (raw, words, login) => {
    const plain = plainMailError(raw);
    expect(plain.text).toContain(words);
    expect(plain.login).toBe(login);
    // The server's own text follows; the nodemailer code in front of it does not.
    expect(plain.text).toContain(raw.replace(/^E[A-Z]+: /, ''));
    expect(plain.text).not.toMatch(/\bE[A-Z]+: /);
  });

  it('a pause on a refusal that is not the login names the sender, host or account, not a recipient', () => {
    for (const raw of [
      'EENVELOPE: 550 5.1.0 <address>: Sender address rejected: undeliverable address: unknown user',
      'EPROTOCOL: 554 5.7.1 Access denied: client host not permitted to relay',
      'EMESSAGE: 550 5.4.5 Daily user sending limit exceeded.',
    ]) {
      const plain = plainMailError(raw, { paused: true });
      expect(plain.text).toContain('refused to take mail from Herald');
      expect(plain.text).not.toContain('refused the recipient');
      expect(plain.text).toContain(raw.replace(/^E[A-Z]+: /, ''));
      expect(pausedAdvice(plain)).toMatch(/^Check MAIL_FROM/);
    }
    expect(plainMailError('EAUTH: 535 5.7.8 Authentication credentials invalid', { paused: true }).login).toBe(true);
  });

  it("the sender's own pause for a full disk is Herald's storage, not the mail server, and says what to free", () => {
    const plain = plainMailError('storage: ENOSPC: no space left on device, write');
    expect(plain.text).toBe('Herald could not write its outbox to disk. It said: ENOSPC: no space left on device, write');
    expect(plain.text).not.toContain('mail server');
    expect(pausedAdvice(plain)).toMatch(/^Free space on the disk that holds DATA_DIR/);
  });

  it('never repeats a URL with a password, should one travel in the text', () => {
    const plain = plainMailError('ECONFIG: bad smtp://herald:s3cret@mail.example.com:587');
    expect(plain.text).not.toContain('s3cret');
  });
});
