import { createHmac, createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { CorruptDataFile, writeFileDurablySync } from '../durable-file.ts';
import { join } from 'node:path';
import { keepPrivate } from '../private-file.ts';

/**
 * Link tokens for subscribers. A token is `<subscriber id>.<HMAC>` where the
 * HMAC covers the purpose and the subscriber id (and, for confirmation, the
 * time it was requested), keyed by a secret kept in DATA_DIR/subscribers.key.
 * So nothing secret is stored next to the subscribers (there is nothing to
 * hash at rest), a token works for one purpose only, a new confirmation
 * request (renewed: subscribe-request.ts decideRequest) revokes the older confirmation links, a removed subscriber's links
 * find nobody, and a token cannot be guessed without the key.
 */

/** The link key's length: an HMAC-SHA256 key of the hash's own size. */
const KEY_BYTES = 32;

/**
 * Why subscribers.key is never replaced quietly: every unsubscribe and manage link already mailed is signed with
 * it. A new key makes them all answer "not valid", and people keep getting mail they cannot stop.
 */
export const KEY_VOIDS_LINKS = 'a new key voids every unsubscribe and manage link already mailed';

/** A link key that is gone while the subscribers whose links it signed are still there. */
export class LinkKeyLost extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LinkKeyLost';
  }
}

/** Whether a subscribers journal holds any record (its first bytes are enough: records start at the first line). */
export function holdsRecords(journal: string): boolean {
  let fd: number;
  try {
    fd = openSync(journal, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  try {
    const head = Buffer.alloc(64 * 1024);
    const n = readSync(fd, head, 0, head.length, 0);
    return /[^\s\u0000]/.test(head.toString('utf8', 0, n));
  } finally {
    closeSync(fd);
  }
}

export type TokenPurpose = 'confirm' | 'unsubscribe' | 'manage';

export interface TokenSubject {
  id: string;
  requested_at: string;
}

const keyIn = (file: string): Buffer => Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');

/**
 * What is wrong with DATA_DIR/subscribers.key, as a reason and its remedy; null when it is sound, or missing
 * while nobody needs it (Herald makes one at its first start). A key shorter than 32 bytes (an empty or cut
 * file) would make tokens forgeable. A missing key while subscribers.jsonl holds records was lost (moved
 * aside, left out of a backup): a new one would void their links. The start refuses either (LinkTokens.open),
 * and so does db:import, rather than carry the fault into PostgreSQL for every replica to refuse.
 */
export function linkKeyFault(dataDir: string): { kind: 'lost' | 'short'; file: string; reason: string; remedy: string } | null {
  const file = join(dataDir, 'subscribers.key');
  const remedy = `Restore it from a backup: ${KEY_VOIDS_LINKS}. To give those links up knowingly, make a new key: openssl rand -base64 32 > ${file}`;
  if (!existsSync(file)) {
    const journal = join(dataDir, 'subscribers.jsonl');
    return holdsRecords(journal)
      ? { kind: 'lost', file, reason: `${file} is missing, and ${journal} holds subscribers whose links it signed`, remedy }
      : null;
  }
  const bytes = keyIn(file).length;
  return bytes < KEY_BYTES
    ? { kind: 'short', file, reason: `the key is ${bytes} bytes; link tokens need at least ${KEY_BYTES}`, remedy }
    : null;
}

export class LinkTokens {
  // A KeyObject made once: passing raw bytes makes createHmac build one per call.
  private readonly key: KeyObject;
  constructor(key: Buffer) {
    this.key = createSecretKey(key);
  }

  /**
   * Reads DATA_DIR/subscribers.key, creating it (0600, fsynced) on first start, or refuses to start with what
   * linkKeyFault finds wrong with it.
   */
  static open(dataDir: string): LinkTokens {
    const file = join(dataDir, 'subscribers.key');
    if (existsSync(file)) keepPrivate(file);
    const fault = linkKeyFault(dataDir);
    if (fault?.kind === 'lost') throw new LinkKeyLost(`Refusing to start: ${fault.reason}. ${fault.remedy}`);
    if (fault) throw new CorruptDataFile(fault.file, fault.reason, fault.remedy);
    if (!existsSync(file)) writeFileDurablySync(file, randomBytes(KEY_BYTES).toString('base64'));
    return new LinkTokens(keyIn(file));
  }

  issue(purpose: TokenPurpose, s: TokenSubject): string {
    return `${s.id}.${this.mac(purpose, s)}`;
  }

  /** The subscriber id a token names, without checking it (look the subscriber up, then `verify`). */
  static subjectId(token: string): string | null {
    const m = /^([a-z0-9]{1,40})\.([A-Za-z0-9_-]{20,64})$/.exec(token);
    return m ? m[1]! : null;
  }

  verify(purpose: TokenPurpose, token: string, s: TokenSubject): boolean {
    const given = Buffer.from(token.slice(token.indexOf('.') + 1));
    const expected = Buffer.from(this.mac(purpose, s));
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /**
   * Whether a token is genuine for a purpose not bound to a request, whoever it names now: an unsubscribe
   * link of a subscriber erased since (retention.ts) still answers "you are unsubscribed".
   */
  vouches(purpose: Exclude<TokenPurpose, 'confirm'>, token: string): boolean {
    const id = LinkTokens.subjectId(token);
    return id !== null && this.verify(purpose, token, { id, requested_at: '' });
  }

  /**
   * A keyed digest of `text` (an address, a client's IP) for where it is only counted, the subscribe limits:
   * a table or dump of the counters names nobody, and without the key nobody can test a guess against it.
   * Its own prefix, so no link token's MAC is ever one of these.
   */
  counterKey(text: string): string {
    return createHmac('sha256', this.key).update(`count|${text}`).digest('base64url');
  }

  private mac(purpose: TokenPurpose, s: TokenSubject): string {
    // The `0` was a link generation, never raised: kept so links already sent keep working.
    const bound = purpose === 'confirm' ? `${purpose}|${s.id}|0|${s.requested_at}` : `${purpose}|${s.id}|0`;
    return createHmac('sha256', this.key).update(bound).digest('base64url').slice(0, 32);
  }
}
