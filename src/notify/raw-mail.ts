import { randomInt } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type Mail from 'nodemailer/lib/mailer';

/**
 * A notice is the same message for every recipient except a few values:
 * the To address, the Message-ID and thread ids, and two link tokens. Building
 * the MIME message (encoding both parts as quoted-printable) is most of the
 * CPU cost of a send, so a fan-out builds it once with placeholders, cuts it
 * at the placeholders (`compileRaw`), and per recipient only copies the
 * pieces and the values into one buffer (`fillRaw`).
 *
 * - Header placeholders (To, Message-ID, In-Reply-To/References) must appear
 *   only in the header block, as written (short, so never folded).
 * - Link tokens also appear in quoted-printable bodies, where the encoder may
 *   put a soft line break (`=\r\n`) inside them. Their placeholders have
 *   exactly the real token's length and, like the token, only characters QP
 *   leaves alone; the fill keeps the placeholder's soft breaks at the same
 *   offsets, so every line stays as long as the encoder made it (within QP's
 *   76 characters), even where the encoder would have broken the real token
 *   elsewhere.
 * If anything does not match (a body in base64, where placeholders cannot be
 * seen; a slot that never appears; a value that could change the message's
 * structure), these return null and the caller builds the message the
 * ordinary way.
 */
export interface RawSlots {
  /** Slot name → exact header placeholder. */
  headers: Record<string, string>;
  /** Slot name → same-length token placeholder. */
  tokens: Record<string, string>;
}

type Part = Buffer | { slot: string; kind: 'header' | 'token'; length: number; breaks: Array<[at: number, text: string]> };

export interface RawTemplate {
  parts: Part[];
  literalBytes: number;
}

export async function buildRaw(message: Mail.Options): Promise<string> {
  const buf = await new MailComposer(message).compile().build();
  return buf.toString('utf8');
}

/**
 * What every token placeholder starts with: random letters, drawn once per process. Text a message carries (an
 * update written by an admin) cannot hold it: a fixed one ("HERALDUNSUB…") written into a link was filled with
 * each recipient's own unsubscribe or manage token, sent to wherever the link led.
 */
const MARK = Array.from({ length: 12 }, () => String.fromCharCode(65 + randomInt(26))).join('');

/** A token placeholder of a given length (at least 18): letters only, so quoted-printable never escapes it. */
export function tokenPlaceholder(name: string, length: number): string {
  const stem = `${MARK}${name.toUpperCase()}`;
  return (stem + 'Z'.repeat(Math.max(0, length - stem.length))).slice(0, length);
}

/** Matches `placeholder` with a quoted-printable soft line break allowed between any two characters. */
function softBreakRegex(placeholder: string): RegExp {
  return new RegExp([...placeholder].map((ch) => ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('(?:=\\r?\\n)?'), 'g');
}
const QP_SAFE = /^[A-Za-z0-9._-]+$/;
const HEADER_SAFE = /^[\x21-\x7e]+$/;

/** Cuts a message built with placeholders into literal pieces and slots, or null if the placeholders are not where they must be. */
export function compileRaw(raw: string, slots: RawSlots): RawTemplate | null {
  const headEnd = raw.indexOf('\r\n\r\n');
  if (headEnd === -1 || /^Content-Transfer-Encoding:\s*base64/im.test(raw)) return null;
  const cuts: Array<{ start: number; end: number; part: Exclude<Part, Buffer> }> = [];
  for (const [slot, placeholder] of Object.entries(slots.headers)) {
    let count = 0;
    for (let at = raw.indexOf(placeholder); at !== -1; at = raw.indexOf(placeholder, at + placeholder.length)) {
      if (at > headEnd) return null;
      cuts.push({ start: at, end: at + placeholder.length, part: { slot, kind: 'header', length: placeholder.length, breaks: [] } });
      count++;
    }
    if (count === 0) return null;
  }
  for (const [slot, placeholder] of Object.entries(slots.tokens)) {
    if (!QP_SAFE.test(placeholder)) return null;
    let count = 0;
    for (const m of raw.matchAll(softBreakRegex(placeholder))) {
      const breaks: Array<[number, string]> = [];
      let chars = 0;
      for (const piece of m[0].split(/(=\r?\n)/)) {
        if (piece.startsWith('=')) breaks.push([chars, piece]);
        else chars += piece.length;
      }
      cuts.push({ start: m.index, end: m.index + m[0].length, part: { slot, kind: 'token', length: placeholder.length, breaks } });
      count++;
    }
    if (count === 0) return null;
  }
  cuts.sort((a, b) => a.start - b.start);
  const parts: Part[] = [];
  let literalBytes = 0;
  let from = 0;
  const literal = (text: string): boolean => {
    // A placeholder left in a literal piece would go out as is.
    if (softBreakRegex(MARK).test(text)) return false;
    const buf = Buffer.from(text);
    parts.push(buf);
    literalBytes += buf.length;
    return true;
  };
  for (const cut of cuts) {
    if (cut.start < from) return null; // overlapping placeholders
    if (!literal(raw.slice(from, cut.start))) return null;
    parts.push(cut.part);
    from = cut.end;
  }
  if (!literal(raw.slice(from))) return null;
  return { parts, literalBytes };
}

/** The message for one recipient, or null if a value cannot go in safely (a line break in a header, a token of another shape). */
export function fillRaw(t: RawTemplate, values: Record<string, string>): Buffer | null {
  let size = t.literalBytes;
  for (const p of t.parts) {
    if (Buffer.isBuffer(p)) continue;
    const v = values[p.slot];
    if (v === undefined) return null;
    // Header values go in as they are, so only printable ASCII without spaces (addresses, ids) may.
    if (p.kind === 'header' ? !HEADER_SAFE.test(v) : v.length !== p.length || !QP_SAFE.test(v)) return null;
    size += Buffer.byteLength(v);
    for (const [, text] of p.breaks) size += text.length;
  }
  // Memory of its own, not a slice of Node's pool: it is posted to the SMTP thread as is (see ownMemory).
  const out = Buffer.allocUnsafeSlow(size);
  let at = 0;
  for (const p of t.parts) {
    if (Buffer.isBuffer(p)) {
      at += p.copy(out, at);
      continue;
    }
    const v = values[p.slot]!;
    let taken = 0;
    for (const [offset, text] of p.breaks) {
      at += out.write(v.slice(taken, offset), at);
      at += out.write(text, at, 'latin1');
      taken = offset;
    }
    at += out.write(taken === 0 ? v : v.slice(taken), at);
  }
  return out;
}
