import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import DKIM from 'nodemailer/lib/dkim/index.js';
import { parseConnectionUrl } from 'nodemailer/lib/shared/index.js';
import { SmtpPool, type Envelope } from './smtp-pool.ts';
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

export function createMailer(cfg: MailerConfig): Mailer {
  const dkim = dkimOptions(cfg);
  if (cfg.SMTP_URL) {
    const pool = new SmtpPool({ connection: parseConnectionUrl(cfg.SMTP_URL), size: cfg.SMTP_POOL_SIZE });
    const signer = dkim ? new DKIM(dkim) : null;
    return {
      kind: 'smtp',
      send: async (_id, message) => {
        const { envelope, raw } = await finished(message);
        await pool.send(envelope, signer ? signer.sign(raw) : raw);
      },
      close: () => pool.close(),
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
