import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type Mail from 'nodemailer/lib/mailer';

/**
 * A notice is the same message for every recipient except a few values:
 * the To address, the Message-ID and thread ids, and two link tokens. Building
 * the MIME message (encoding both parts as quoted-printable) is most of the
 * CPU cost of a send, so a fan-out builds it once with placeholders and swaps
 * the values into the finished bytes.
 *
 * - Header values (To, Message-ID, In-Reply-To/References) are swapped
 *   verbatim: each placeholder must appear in the header block exactly as
 *   written (short, so never folded).
 * - Link tokens also appear in quoted-printable bodies, where a soft line
 *   break (`=\r\n`) may fall inside them. Their placeholders have exactly the
 *   real token's length and, like the token, only characters QP leaves
 *   alone, so the encoder breaks lines at the same places for both; the swap
 *   copies the soft breaks through. If anything does not match (say the
 *   composer chose base64), `personalize` returns null and the caller builds
 *   the message the ordinary way.
 */
export interface RawSlots {
  /** Exact header placeholders → values. */
  headers: Record<string, string>;
  /** Same-length token placeholders → values. */
  tokens: Record<string, string>;
}

export async function buildRaw(message: Mail.Options): Promise<string> {
  const buf = await new MailComposer(message).compile().build();
  return buf.toString('utf8');
}

/** A token placeholder of a given length: letters only, so quoted-printable never escapes it. */
export function tokenPlaceholder(name: string, length: number): string {
  const stem = `HERALD${name.toUpperCase()}`;
  return (stem + 'Z'.repeat(Math.max(0, length - stem.length))).slice(0, length);
}

const regexes = new Map<string, RegExp>();
/** Matches `placeholder` with a quoted-printable soft line break allowed between any two characters (cached). */
function softBreakRegex(placeholder: string): RegExp {
  let re = regexes.get(placeholder);
  if (!re) {
    if (regexes.size > 64) regexes.clear();
    re = new RegExp([...placeholder].map((ch) => ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('(?:=\\r?\\n)?'), 'g');
    regexes.set(placeholder, re);
  }
  re.lastIndex = 0;
  return re;
}
const QP_SAFE = /^[A-Za-z0-9._-]+$/;

export function personalize(raw: string, slots: RawSlots): string | null {
  const split = raw.indexOf('\r\n\r\n');
  if (split === -1) return null;
  let head = raw.slice(0, split);
  let body = raw.slice(split);
  for (const [placeholder, value] of Object.entries(slots.headers)) {
    if (/[\r\n]/.test(value) || head.split(placeholder).length !== 2) return null;
    head = head.replace(placeholder, () => value);
  }
  for (const [placeholder, value] of Object.entries(slots.tokens)) {
    if (value.length !== placeholder.length || !QP_SAFE.test(value)) return null;
    const swap = (text: string) =>
      text.replace(softBreakRegex(placeholder), (match) => {
        let i = 0;
        return match.replace(/[^=\r\n]/g, () => value[i++]!);
      });
    head = swap(head);
    body = swap(body);
  }
  const leftover = softBreakRegex('HERALD');
  if (leftover.test(head) || leftover.test(body)) return null;
  return head + body;
}
