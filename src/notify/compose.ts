import type Mail from 'nodemailer/lib/mailer';
import type { Db } from '../domain/model.ts';
import type { Delivery, Subscriber } from './model.ts';
import { deliveryId } from './model.ts';
import type { SubscriberBook } from './subscriber-book.ts';
import { noticeIntents, threadRootKey, type NoticeIntent } from './intents.ts';
import { renderConfirm, renderNotice, type RenderedMail } from './render.ts';

export interface ComposeConfig {
  SITE_URL: string;
  SITE_NAME: string;
  SITE_TIMEZONE: string;
  MAIL_FROM: string;
}

// Rendering a notice costs far more than sending it; recipients differ only in
// their links, so a notice is rendered once with these markers and the links
// are swapped in per recipient. The markers survive HTML escaping unchanged.
const UNSUB = 'HERALDUNSUBSCRIBETOKEN';
const MANAGE = 'HERALDMANAGETOKEN';

/** Turns a queued delivery into the message to send, or a reason it must not be sent. */
export class Composer {
  private readonly cfg: ComposeConfig;
  private readonly book: SubscriberBook;
  private readonly host: string;
  private cache: { key: string; mail: RenderedMail } | null = null;
  private intents = new Map<string, NoticeIntent>();
  private intentsOf: Db | null = null;

  constructor(cfg: ComposeConfig, book: SubscriberBook) {
    this.cfg = cfg;
    this.book = book;
    this.host = new URL(cfg.SITE_URL).hostname || 'localhost';
  }

  messageId(id: string): string {
    return `<${id}@${this.host}>`;
  }

  compose(d: Delivery, db: Db): { message: Mail.Options } | { skip: string } {
    const s = this.book.get(d.sub);
    if (!s) return { skip: 'subscriber removed' };
    if (s.suppressed) return { skip: `address suppressed (${s.suppressed})` };
    if (d.kind === 'confirm') {
      if (s.state !== 'pending') return { skip: `subscriber is ${s.state}` };
      return { message: this.confirmMessage(d, s, db) };
    }
    if (s.state !== 'confirmed') return { skip: `subscriber is ${s.state}` };
    const intent = this.findIntent(d.intent, db);
    if (!intent) return { skip: 'incident or update no longer exists' };
    return { message: this.noticeMessage(d, s, intent, db) };
  }

  private findIntent(key: string, db: Db): NoticeIntent | undefined {
    // The store swaps in a new object on every write, so identity says whether the index is current.
    if (this.intentsOf !== db) {
      this.intents = new Map(noticeIntents(db).map((i) => [i.key, i]));
      this.intentsOf = db;
    }
    return this.intents.get(key);
  }

  private noticeMessage(d: Delivery, s: Subscriber, intent: NoticeIntent, db: Db): Mail.Options {
    const site = this.cfg.SITE_URL;
    const cacheKey = `${intent.key}|${intent.update.updated_at}|${intent.incident.updated_at}`;
    if (this.cache?.key !== cacheKey) {
      const mail = renderNotice({
        kind: intent.kind,
        siteName: this.cfg.SITE_NAME,
        siteUrl: site,
        incident: intent.incident,
        update: intent.update,
        db,
        unsubscribeUrl: `${site}/unsubscribe/${UNSUB}`,
        manageUrl: `${site}/subscribe/manage/${MANAGE}`,
        timeZone: this.cfg.SITE_TIMEZONE,
        reminder: intent.key.endsWith(':reminder'),
      });
      this.cache = { key: cacheKey, mail };
    }
    const unsub = this.book.link('unsubscribe', s);
    const manage = this.book.link('manage', s);
    const personal = (t: string) => t.replaceAll(UNSUB, unsub).replaceAll(MANAGE, manage);
    const root = deliveryId(s.id, threadRootKey(intent.incident));
    const unsubscribeUrl = `${site}/unsubscribe/${unsub}`;
    return {
      from: this.cfg.MAIL_FROM,
      to: { name: '', address: s.email },
      subject: this.cache.mail.subject,
      html: personal(this.cache.mail.html),
      text: personal(this.cache.mail.text),
      messageId: this.messageId(d.id),
      ...(root !== d.id ? { inReplyTo: this.messageId(root), references: [this.messageId(root)] } : {}),
      headers: {
        // One header with the HTTPS link (RFC 8058); nodemailer's list.unsubscribe array would write two.
        'List-Unsubscribe': `<${unsubscribeUrl}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'List-Id': `${this.cfg.SITE_NAME.replace(/[<>"\r\n]/g, '')} <status.${this.host}>`,
        'Auto-Submitted': 'auto-generated',
      },
    };
  }

  private confirmMessage(d: Delivery, s: Subscriber, db: Db): Mail.Options {
    const names = s.components.map((id) => db.components.find((c) => c.id === id)?.name ?? id);
    const mail = renderConfirm({
      siteName: this.cfg.SITE_NAME,
      siteUrl: this.cfg.SITE_URL,
      confirmUrl: `${this.cfg.SITE_URL}/subscribe/confirm/${this.book.link('confirm', s)}`,
      componentNames: names,
    });
    return {
      from: this.cfg.MAIL_FROM,
      to: { name: '', address: s.email },
      subject: mail.subject,
      html: mail.html,
      text: mail.text,
      messageId: this.messageId(d.id),
      headers: { 'Auto-Submitted': 'auto-generated' },
    };
  }
}
