import { readFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';

/*
 * DKIM_PRIVATE_KEY read as the key nodemailer signs with, without nodemailer: config validation
 * (src/config.ts) asks it at start, before anything is created, and the mailer (transport.ts) signs with it.
 */

/** DKIM_PRIVATE_KEY as PEM text: the value itself (a line break may be written as \n) or the file it names. */
export function dkimKeyPem(value: string): string {
  return value.includes('-----BEGIN') ? value.replace(/\\n/g, '\n') : readFileSync(value, 'utf8');
}

/**
 * Why DKIM_PRIVATE_KEY cannot sign, in words that never quote it (a secret, or a path next to one);
 * null when it can. nodemailer signs rsa-sha256 only, and a key it cannot use sends every message
 * unsigned without a word, so the start is where to say it.
 */
export function dkimKeyProblem(value: string): string | null {
  let pem: string;
  try {
    pem = dkimKeyPem(value);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    return `DKIM_PRIVATE_KEY is neither PEM text nor a file Herald can read (${code}); not shown here: it may be the key`;
  }
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'rsa')
      return `DKIM_PRIVATE_KEY must be an RSA private key (DKIM's rsa-sha256), not ${key.asymmetricKeyType}`;
  } catch {
    return 'DKIM_PRIVATE_KEY holds no private key in PEM (not shown here: it may be the key)';
  }
  return null;
}
