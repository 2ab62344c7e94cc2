import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { SmtpPool, type Envelope, type SmtpPoolOptions } from './smtp-pool.ts';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurably } from '../store/durable-file.ts';

/** Where messages go: a pooled SMTP relay, or .eml files in DATA_DIR/outbox (the default). */
export interface Mailer {
  kind: 'smtp' | 'eml';
  /** Hands one message over; resolves once the SMTP server accepted it (or the file is on disk). */
  send(id: string, message: Mail.Options): Promise<void>;
  close(): void;
}

export interface MailerConfig {
  SMTP_URL?: string;
  SMTP_POOL_SIZE: number;
  DKIM_DOMAIN?: string;
  DKIM_SELECTOR?: string;
  DKIM_PRIVATE_KEY?: string;
  dataDir: string;
}

// nodemailer's default DKIM list (dkim/sign.js) leaves List-Unsubscribe-Post out; RFC 8058 wants it signed.
const DKIM_HEADERS =
  'From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type:Content-Transfer-Encoding:' +
  'Content-ID:Content-Description:Resent-Date:Resent-From:Resent-Sender:Resent-To:Resent-Cc:Resent-Message-ID:' +
  'In-Reply-To:References:List-Id:List-Help:List-Unsubscribe:List-Unsubscribe-Post:List-Subscribe:List-Post:' +
  'List-Owner:List-Archive';

/** DKIM options when DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY (PEM text or a file path) are all set. */
export function dkimOptions(cfg: MailerConfig) {
  if (!cfg.DKIM_DOMAIN || !cfg.DKIM_SELECTOR || !cfg.DKIM_PRIVATE_KEY) return undefined;
  const key = cfg.DKIM_PRIVATE_KEY.includes('-----BEGIN')
    ? cfg.DKIM_PRIVATE_KEY.replace(/\\n/g, '\n')
    : readFileSync(cfg.DKIM_PRIVATE_KEY, 'utf8');
  return { domainName: cfg.DKIM_DOMAIN, keySelector: cfg.DKIM_SELECTOR, privateKey: key, headerFieldNames: DKIM_HEADERS };
}

/**
 * SMTP_URL as SMTPConnection options: `smtp://` (STARTTLS when offered) or
 * `smtps://` (TLS from the start), user and password percent-decoded, and the
 * query flags `requireTLS`, `ignoreTLS` and `tls.rejectUnauthorized`
 * (`=true|false`). Port 587, or 465 for smtps, unless given.
 */
export function smtpConnection(url: string): SmtpPoolOptions['connection'] {
  const u = new URL(url);
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:')
    throw new Error(`SMTP_URL must start with smtp:// or smtps://, not ${u.protocol}//`);
  const secure = u.protocol === 'smtps:';
  const flag = (name: string) => (u.searchParams.has(name) ? u.searchParams.get(name) !== 'false' : undefined);
  const rejectUnauthorized = flag('tls.rejectUnauthorized');
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    ...(flag('requireTLS') !== undefined ? { requireTLS: flag('requireTLS') } : {}),
    ...(flag('ignoreTLS') !== undefined ? { ignoreTLS: flag('ignoreTLS') } : {}),
    ...(rejectUnauthorized !== undefined ? { tls: { rejectUnauthorized } } : {}),
    ...(u.username ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } } : {}),
  };
}

export function createMailer(cfg: MailerConfig): Mailer {
  const dkim = dkimOptions(cfg);
  if (cfg.SMTP_URL) {
    const pool = new SmtpPool({ connection: smtpConnection(cfg.SMTP_URL), size: cfg.SMTP_POOL_SIZE });
    // nodemailer's documented way to DKIM-sign a finished message: its stream transport with the dkim option.
    const signer = dkim ? nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows', dkim }) : null;
    return {
      kind: 'smtp',
      send: async (_id, message) => {
        const { envelope, raw } = await finished(message);
        const signed = signer && (await signer.sendMail({ envelope: { ...envelope }, raw }));
        await pool.send(envelope, signed ? (signed.message as Buffer) : raw);
      },
      close: () => {
        pool.close();
        signer?.close();
      },
    };
  }
  const dir = join(cfg.dataDir, 'outbox');
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  // buffer: true hands back the complete RFC 5322 message, which is exactly an .eml file.
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows', ...(dkim ? { dkim } : {}) });
  return {
    kind: 'eml',
    send: async (id, message) => {
      const info = await transport.sendMail(message);
      await writeFileDurably(join(dir, `${id}.eml`), info.message as Buffer);
    },
    close: () => transport.close(),
  };
}

/** The message as envelope plus RFC 5322 bytes: prebuilt ones as they are, others compiled by nodemailer. */
async function finished(message: Mail.Options): Promise<{ envelope: Envelope; raw: Buffer | string }> {
  if (message.raw && message.envelope && !('address' in message.envelope)) {
    const { from, to } = message.envelope as { from?: unknown; to?: unknown };
    if (typeof from === 'string' && Array.isArray(to))
      return { envelope: { from, to: to.map(String) }, raw: message.raw as Buffer | string };
  }
  const node = new MailComposer(message).compile();
  const envelope = node.getEnvelope();
  return { envelope: { from: envelope.from || '', to: envelope.to }, raw: await node.build() };
}
