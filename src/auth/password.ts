import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';

/** An scrypt hash of ADMIN_PASSWORD with its salt: all the console keeps of it. */
export interface PasswordHash {
  salt: Buffer;
  hash: Buffer;
}

const KEYLEN = 64;
// N=2^15 makes a guess cost ~50 ms of CPU: fine for sign-in, slow for brute force.
const PARAMS = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

/** Hashes the password once at start. */
export function hashPassword(password: string): PasswordHash {
  const salt = randomBytes(16);
  return { salt, hash: scryptSync(password, salt, KEYLEN, PARAMS) };
}

/**
 * Checks a candidate against the stored hash in constant time. Asynchronous
 * (libuv's thread pool): a sign-in never blocks the server's event loop.
 */
export function verifyPassword(candidate: string, stored: PasswordHash): Promise<boolean> {
  if (candidate.length > 1_000) return Promise.resolve(false);
  return new Promise((resolve, reject) => {
    scrypt(candidate, stored.salt, KEYLEN, PARAMS, (err, got) => (err ? reject(err) : resolve(timingSafeEqual(got, stored.hash))));
  });
}

/**
 * What a console session kept in PostgreSQL records of the password it was signed in with: the same on every
 * replica given the same password (a fixed salt), and as costly to guess from as the hash above.
 */
export function sessionPasswordDigest(password: string): string {
  return scryptSync(password, 'herald-console-session', 32, PARAMS).toString('base64url');
}
