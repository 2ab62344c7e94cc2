import type Mail from 'nodemailer/lib/mailer';
import { encodeWord, encodeWords, quoteString } from 'nodemailer/lib/mime-funcs/index.js';
import type { Db } from '../domain/model.ts';
import type { Delivery, Subscriber } from '../store/mail/model.ts';
import { CONFIRM_TTL_MS, deliveryId, isSubscribedNote } from '../store/mail/model.ts';
import { formatDateTime } from '../domain/time-text.ts';
import { followedNames } from '../domain/components/following.ts';
import type { FollowsNotice } from '../store/mail/unreachable.ts';
import { followsNotices } from './follows-notices.ts';
import type { LinkTokens } from '../store/mail/tokens.ts';
import { intentsByKey, isReminderKey, threadRootKey, type NoticeIntent } from './intents.ts';
import { renderConfirm, renderNotice, renderSubscribed, type RenderedMail } from './render.ts';
import { envelopeSender } from './envelope-sender.ts';
import { buildRaw, compileRaw, fillRaw, tokenPlaceholder, type RawTemplate } from './raw-mail.ts';

/** The skip reason of a notice whose incident or update is not in the document it was composed from. */
export const INTENT_GONE = 'incident or update no longer exists';
/** The skip reason of a notice about none of the components its (confirmed) subscriber follows now. */
export const NOT_FOLLOWED = 'subscriber no longer follows its components';

export interface ComposeConfig {
  SITE_URL: string;
  SITE_NAME: string;
  SITE_TIMEZONE: string;
  MAIL_FROM: string;
}

// Header placeholders of the shared notice message (see raw-mail.ts).
const PH_TO = 'heraldrcpt@herald.invalid';
const PH_ID = '<heraldmsgid@herald.invalid>';
const PH_ROOT = '<heraldrootid@herald.invalid>';

/**
 * Every message Herald sends is automatic: no out-of-office or auto-reply should answer it (a fan-out to many
 * thousands during an outage would bring as many back to MAIL_FROM). RFC 3834's header, and Exchange's own,
 * which Outlook and Exchange heed where they ignore the first.
 */
const AUTOMATIC = { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'OOF, AutoReply' } as const;

/** Turns a queued delivery into the message to send, or a reason it must not be sent. */
export class Composer {
  private readonly cfg: ComposeConfig;
  private readonly tokens: LinkTokens;
  private readonly host: string;
  private readonly raws = new Map<string, Promise<RawTemplate | null>>();
  private readonly envelopeFrom: string;
  private intents = new Map<string, NoticeIntent>();
  private intentsOf: Db | null = null;
  /** Whether a subscriber still follows a notice, as of `intentsOf` (the same rule as a retry's). */
  private follows: FollowsNotice = () => true;
  /** The settings the cached messages were rendered with (audience, sign-off, levels): a change renders anew. */
  private settingsText = '';

  constructor(cfg: ComposeConfig, tokens: LinkTokens) {
    this.cfg = cfg;
    this.tokens = tokens;
    this.host = new URL(cfg.SITE_URL).hostname || 'localhost';
    this.envelopeFrom = envelopeSender(cfg.MAIL_FROM);
  }

  messageId(id: string): string {
    return `<${id}@${this.host}>`;
  }

  /** `s` is the delivery's subscriber as stored now (undefined once removed). */
  async compose(d: Delivery, s: Subscriber | undefined, db: Db): Promise<{ message: Mail.Options } | { skip: string }> {
    if (!s) return { skip: 'subscriber removed' };
    if (s.suppressed) return { skip: `address suppressed (${s.suppressed})` };
    if (d.kind === 'confirm') {
      // A request from a confirmed address is answered with its manage link; a confirmation is sent only
      // while its address waits for it (one sent again once its reader confirmed tells them nothing).
      if (isSubscribedNote(d))
        return s.state === 'confirmed' ? { message: this.subscribedMessage(d, s, db) } : { skip: `subscriber is ${s.state}` };
      return s.state === 'pending' ? { message: this.confirmMessage(d, s, db) } : { skip: `subscriber is ${s.state}` };
    }
    if (s.state !== 'confirmed') return { skip: `subscriber is ${s.state}` };
    const intent = this.findIntent(d.intent, db);
    if (!intent) return { skip: INTENT_GONE };
    // Who a notice reaches is decided when it is sent, as for an address unsubscribed meanwhile: one queued for a
    // follower who has since chosen other components (queued behind a relay outage, a long fan-out) went out
    // all the same, promising a "resolved" email the same rule then withheld.
    if (!this.follows(intent.key, s.components)) return { skip: NOT_FOLLOWED };
    return { message: await this.noticeMessage(d, s, intent, db) };
  }

  private findIntent(key: string, db: Db): NoticeIntent | undefined {
    // The store swaps in a new object on every write, so identity says whether the index is current.
    if (this.intentsOf !== db) {
      this.intents = intentsByKey(db);
      // Whom each notice reaches is worked out once per notice and document: compose runs per message.
      this.follows = followsNotices(db, this.intents);
      this.intentsOf = db;
      const settings = JSON.stringify(db.settings);
      if (settings !== this.settingsText) this.raws.clear();
      this.settingsText = settings;
    }
    return this.intents.get(key);
  }

  /** The notice as rendered for one recipient: personalized bytes of a shared message when possible. */
  private async noticeMessage(d: Delivery, s: Subscriber, intent: NoticeIntent, db: Db): Promise<Mail.Options> {
    const unsub = this.tokens.issue('unsubscribe', s);
    const manage = this.tokens.issue('manage', s);
    const root = deliveryId(s.id, threadRootKey(intent.incident));
    const threaded = root !== d.id;
    const values = { unsub, manage, to: s.email, messageId: this.messageId(d.id), root: threaded ? this.messageId(root) : null };
    if (unsub.length === manage.length && unsub.length >= 30) {
      const key = `${intent.key}|${intent.update.updated_at}|${intent.incident.updated_at}|${unsub.length}|${threaded}`;
      let template = this.raws.get(key);
      if (!template) {
        if (this.raws.size > 16) this.raws.clear();
        const headers = { to: PH_TO, messageId: PH_ID, ...(threaded ? { root: PH_ROOT } : {}) };
        const tokens = { unsub: tokenPlaceholder('unsub', unsub.length), manage: tokenPlaceholder('manage', unsub.length) };
        template = buildRaw(this.noticeOptions(intent, db, { ...headers, ...tokens, root: headers.root ?? null })).then((raw) =>
          compileRaw(raw, { headers, tokens }),
        );
        template.catch(() => this.raws.delete(key));
        this.raws.set(key, template);
      }
      const compiled = await template;
      // The slots are named like the values: one name per placeholder.
      const raw = compiled && fillRaw(compiled, { ...values, root: values.root ?? '' });
      if (raw) return { envelope: { from: this.envelopeFrom, to: [s.email] }, raw };
    }
    return this.noticeOptions(intent, db, values);
  }

  private noticeOptions(
    intent: NoticeIntent,
    db: Db,
    v: { unsub: string; manage: string; to: string; messageId: string; root: string | null },
  ): Mail.Options {
    const site = this.cfg.SITE_URL;
    const mail = renderNotice({
      kind: intent.kind,
      siteName: this.cfg.SITE_NAME,
      siteUrl: site,
      incident: intent.incident,
      update: intent.update,
      db,
      unsubscribeUrl: `${site}/unsubscribe/${v.unsub}`,
      manageUrl: `${site}/subscribe/manage/${v.manage}`,
      timeZone: this.cfg.SITE_TIMEZONE,
      reminder: isReminderKey(intent.key),
      at: intent.at,
    });
    return {
      from: this.cfg.MAIL_FROM,
      to: { name: '', address: v.to },
      subject: subjectHeader(mail.subject),
      html: mail.html,
      text: mail.text,
      // nodemailer picks base64 for mostly non-Latin text, where the shared message's link placeholders could not be found.
      textEncoding: 'quoted-printable',
      messageId: v.messageId,
      ...(v.root ? { inReplyTo: v.root, references: [v.root] } : {}),
      headers: this.listHeaders(v.unsub),
    };
  }

  /** The headers of a message to a subscriber: its one-click unsubscribe and the list it belongs to. */
  private listHeaders(unsub: string): Mail.Headers {
    return {
      // One header with the HTTPS link (RFC 8058); nodemailer's list.unsubscribe array would write two.
      'List-Unsubscribe': `<${this.cfg.SITE_URL}/unsubscribe/${unsub}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'List-Id': listId(this.cfg.SITE_NAME, this.host),
      ...AUTOMATIC,
    };
  }

  private confirmMessage(d: Delivery, s: Subscriber, db: Db): Mail.Options {
    // A component deleted since the request is not named (none left: the request reads as everything).
    const names = followedNames(s.components, db);
    const mail = renderConfirm({
      siteName: this.cfg.SITE_NAME,
      siteUrl: this.cfg.SITE_URL,
      confirmUrl: `${this.cfg.SITE_URL}/subscribe/confirm/${this.tokens.issue('confirm', s)}`,
      componentNames: names,
      // The link's life counts from the request, which a repeat within a day for the same components keeps
      // (decideRequest): the email says until when, not "48 hours" from a request it may not be the first answer to.
      expires: formatDateTime(new Date(Date.parse(s.requested_at) + CONFIRM_TTL_MS).toISOString(), this.cfg.SITE_TIMEZONE),
    });
    // No List-Unsubscribe: the address is not on the list until it confirms (RFC 8058's one-click is for list
    // mail), and ignoring the email is how a request is declined.
    return this.toSubscriber(d, s, mail, AUTOMATIC);
  }

  /** The answer to a confirmed address that asked to subscribe again: its choice as it stands, and where to change it. */
  private subscribedMessage(d: Delivery, s: Subscriber, db: Db): Mail.Options {
    const site = this.cfg.SITE_URL;
    const unsub = this.tokens.issue('unsubscribe', s);
    const mail = renderSubscribed({
      siteName: this.cfg.SITE_NAME,
      siteUrl: site,
      manageUrl: `${site}/subscribe/manage/${this.tokens.issue('manage', s)}`,
      unsubscribeUrl: `${site}/unsubscribe/${unsub}`,
      componentNames: followedNames(s.components, db),
    });
    return this.toSubscriber(d, s, mail, this.listHeaders(unsub));
  }

  /** A message of one delivery to one subscriber, outside any notice's thread. */
  private toSubscriber(d: Delivery, s: Subscriber, mail: RenderedMail, headers: Mail.Headers): Mail.Options {
    return {
      from: this.cfg.MAIL_FROM,
      to: { name: '', address: s.email },
      subject: subjectHeader(mail.subject),
      html: mail.html,
      text: mail.text,
      messageId: this.messageId(d.id),
      headers,
    };
  }
}

/**
 * `List-Id: <phrase> <status.host>` (RFC 2919). Given the whole value, nodemailer encodes all of it once the
 * site's name is not ASCII, the `<id>` too, and list filters find no id; so the name alone is encoded (or
 * quoted, when ASCII with specials such as a comma) and the header goes as prepared, folded between words.
 */
export function listId(siteName: string, host: string): { prepared: true; value: string } {
  const name = siteName.replace(/[\r\n]+/g, ' ');
  const phrase = /[^\x20-\x7e]/.test(name)
    ? encodeWords(name, 'Q', 52, true).replace(/\?= =\?/g, '?=\r\n =?')
    : /[()<>[\]:;@\\,."]/.test(name)
      ? quoteString(name)
      : name;
  // A host that already names the status page (status.example.com) is the list's id as it is, not doubled.
  const id = /^status\./i.test(host) ? host : `status.${host}`;
  return { prepared: true, value: `${phrase} <${id}>` };
}

/**
 * The subject as it must be written. nodemailer leaves text that reads as a valid encoded word unencoded,
 * so an incident named "Login =?UTF-8?B?4pyF…?= errors" would be decoded by mail clients into other words;
 * a subject with `=?` in it is encoded whole, and arrives as typed.
 */
export function subjectHeader(subject: string): string {
  return subject.includes('=?') ? encodeWord(subject, 'Q', 52) : subject;
}
