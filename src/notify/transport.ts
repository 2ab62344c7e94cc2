import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { Envelope } from './smtp-pool.ts';
import type { FromWorker, SendJob, ToWorker, WorkerSetup } from './smtp-worker.ts';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { writeFileDurably } from '../store/durable-file.ts';
import { openOutboxFolder } from './outbox-folder.ts';
import { heldError } from './classify.ts';
import { smtpConnection } from './smtp-url.ts';
import { dkimKeyPem } from './dkim-key.ts';

/** Where messages go: a pooled SMTP relay, or .eml files in DATA_DIR/outbox (the default). */
export interface Mailer {
  kind: 'smtp' | 'eml';
  /** Messages worth having in flight at once: enough to keep every connection busy. */
  window?: number;
  /**
   * Hands one message over; resolves once the SMTP server accepted it (or the file is on disk). An urgent one
   * (a confirmation) takes turns with the others for the next free connection rather than queueing behind them.
   */
  send(id: string, message: Mail.Options, opts?: { urgent?: boolean }): Promise<void>;
  /**
   * Sending is paused: messages handed over but not yet begun are given back unattempted (their sends reject
   * with classify.ts's HELD code), so the relay is not asked again with a setup it just refused.
   */
  hold(): void;
  /**
   * Removes these (removed) subscribers' messages from DATA_DIR/outbox, whatever the mailer: a folder left
   * from runs without SMTP_URL holds them too. Does not wait for it; the promise is for tests.
   */
  forget(subscriberIds: readonly string[]): Promise<void>;
  close(): void;
}

export interface MailerConfig {
  SMTP_URL?: string;
  SMTP_POOL_SIZE: number;
  /** The longest wait for the relay: to connect, for its greeting (at most 30 s), and for any reply. */
  SMTP_TIMEOUT_MS?: number;
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
  return {
    domainName: cfg.DKIM_DOMAIN,
    keySelector: cfg.DKIM_SELECTOR,
    privateKey: dkimKeyPem(cfg.DKIM_PRIVATE_KEY),
    headerFieldNames: DKIM_HEADERS,
  };
}

export function createMailer(cfg: MailerConfig): Mailer {
  const dkim = dkimOptions(cfg);
  const folder = openOutboxFolder(join(cfg.dataDir, 'outbox'), !cfg.SMTP_URL);
  const forget = (ids: readonly string[]) => folder.forget(ids);
  if (cfg.SMTP_URL) {
    const timeout = cfg.SMTP_TIMEOUT_MS ?? 60_000;
    const connection = {
      ...smtpConnection(cfg.SMTP_URL),
      connectionTimeout: timeout,
      greetingTimeout: Math.min(timeout, 30_000),
      socketTimeout: timeout,
    };
    const pool = new SmtpThread({ connection, size: cfg.SMTP_POOL_SIZE });
    // nodemailer's documented way to DKIM-sign a finished message: its stream transport with the dkim option.
    const signer = dkim ? nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows', dkim }) : null;
    return {
      kind: 'smtp',
      // The outcome of a send reaches the sender one turn of the main event loop after the server answered, which
      // under a flood of page requests is tens of milliseconds: 32 messages per connection keep it busy meanwhile.
      window: cfg.SMTP_POOL_SIZE * 32,
      send: async (_id, message, opts) => {
        const holds = pool.holds;
        const { envelope, raw } = await finished(message);
        const signed = signer && (await signer.sendMail({ envelope: { ...envelope }, raw }));
        // Held while it was being built or signed: given back like the others.
        if (pool.holds !== holds) throw heldError();
        await pool.send(envelope, signed ? (signed.message as Buffer) : raw, opts?.urgent ?? false);
      },
      hold: () => pool.hold(),
      forget,
      close: () => {
        folder.close();
        pool.close();
        signer?.close();
      },
    };
  }
  // buffer: true hands back the complete RFC 5322 message, which is exactly an .eml file.
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows', ...(dkim ? { dkim } : {}) });
  return {
    kind: 'eml',
    window: 4,
    send: async (id, message) => {
      const info = await transport.sendMail(message);
      await writeFileDurably(join(folder.dir, `${id}.eml`), info.message as Buffer);
    },
    hold: () => {}, // nothing waits: each message is written as it comes
    forget,
    close: () => {
      folder.close();
      transport.close();
    },
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

/**
 * Sends begin at most this often while Herald's main thread is saturated (its event loop busy more than
 * BUSY_UTILIZATION of the last BUSY_SAMPLE_MS: visitors are queueing for pages): the SMTP thread and the mail
 * server then take CPU from the page, so they get what a notice to 100,000 needs to go out in 50 s and no more.
 * Otherwise sends go as fast as the connections take them.
 */
const BUSY_SENDS_PER_SECOND = 2000;
const BUSY_UTILIZATION = 0.9;
const BUSY_SAMPLE_MS = 500;

/**
 * The clone of a Buffer copies its whole ArrayBuffer, and a Buffer made by Buffer.from, concat or allocUnsafe
 * under half of Buffer.poolSize (64 KB on Node 24) is a slice of Node's shared pool: posted as it is, most
 * messages would cross as 64 KB. One that views part of a larger ArrayBuffer is copied into memory of its own first.
 */
export function ownMemory(raw: Buffer): Buffer {
  if (raw.byteOffset === 0 && raw.buffer.byteLength === raw.byteLength) return raw;
  const own = Buffer.allocUnsafeSlow(raw.byteLength);
  raw.copy(own);
  return own;
}

const closedError = () => Object.assign(new Error('The mail pool is closed.'), { code: 'ECONNECTION' });

/**
 * The SMTP pool (smtp-pool.ts) run on a worker thread (smtp-worker.ts; why: see there). Messages go over in
 * batches, one per turn of the event loop, and outcomes come back the same way. The thread starts on the first
 * send; if it dies, what it had in hand fails as a connection error (retried) and the next send starts another.
 */
class SmtpThread {
  private readonly setup: WorkerSetup;
  private worker: Worker | null = null;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  private batch: SendJob[] = [];
  private nextId = 1;
  private closed = false;
  private pace = 0;
  private paceTimer: NodeJS.Timeout | null = null;

  constructor(setup: WorkerSetup) {
    this.setup = setup;
  }

  send(envelope: Envelope, raw: Buffer | string, urgent: boolean): Promise<void> {
    if (this.closed) return Promise.reject(closedError());
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      // A Buffer's memory moves to the thread (post() transfers it): the caller must not use it after this.
      this.batch.push({ id, envelope, raw: typeof raw === 'string' ? raw : ownMemory(raw), urgent });
      if (this.batch.length === 1) setImmediate(() => this.post());
    });
  }

  /** How many times hold() ran: a send that began before one is given back too. */
  holds = 0;

  /** See Mailer.hold: what is not handed over yet fails here, the thread gives back what waits there. */
  hold(): void {
    this.holds++;
    for (const job of this.batch.splice(0)) {
      this.waiting.get(job.id)?.reject(heldError());
      this.waiting.delete(job.id);
    }
    this.worker?.postMessage({ t: 'hold' } satisfies ToWorker);
  }

  close(): void {
    this.closed = true;
    if (this.paceTimer) clearInterval(this.paceTimer);
    // Messages not handed over yet fail now; the thread answers for the others (sent, or failed by the closing pool).
    for (const job of this.batch.splice(0)) {
      this.waiting.get(job.id)?.reject(closedError());
      this.waiting.delete(job.id);
    }
    if (this.worker) this.worker.postMessage({ t: 'close' } satisfies ToWorker);
    else this.fail(closedError());
  }

  private post(): void {
    const jobs = this.batch;
    this.batch = [];
    if (jobs.length === 0 || this.closed) return;
    // Moved, not copied: cloned, each message was copied twice and its bytes stayed on this heap until a collection.
    const moved = new Set<ArrayBuffer>();
    for (const j of jobs) if (typeof j.raw !== 'string') moved.add(j.raw.buffer as ArrayBuffer);
    this.thread().postMessage({ t: 'send', jobs } satisfies ToWorker, [...moved]);
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    // Beside this module in src/ (tests, scripts); in a build, beside the bundled server (scripts/build-server.ts).
    const file = import.meta.url.endsWith('.ts') ? './smtp-worker.ts' : './smtp-worker.mjs';
    const w = new Worker(new URL(file, import.meta.url), {
      workerData: this.setup,
      // What it holds is the messages in flight and the connections: a leak there must not grow Herald.
      resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8 },
    });
    w.unref(); // Herald's own shutdown closes it; it must not keep a process alive by itself
    this.pace = 0;
    let elu = performance.eventLoopUtilization();
    if (this.paceTimer) clearInterval(this.paceTimer);
    this.paceTimer = setInterval(() => {
      const now = performance.eventLoopUtilization();
      const busy = performance.eventLoopUtilization(now, elu).utilization > BUSY_UTILIZATION;
      elu = now;
      const pace = busy ? BUSY_SENDS_PER_SECOND : 0;
      if (pace !== this.pace && this.worker === w) {
        this.pace = pace;
        w.postMessage({ t: 'pace', perSecond: pace } satisfies ToWorker);
      }
    }, BUSY_SAMPLE_MS);
    this.paceTimer.unref();
    w.on('message', (msg: FromWorker) => {
      for (const [id, error] of msg.results) {
        const p = this.waiting.get(id);
        if (!p) continue;
        this.waiting.delete(id);
        if (error) p.reject(Object.assign(new Error(error.message), error));
        else p.resolve();
      }
    });
    const gone = (why: string) => {
      if (this.worker !== w) return;
      this.worker = null;
      this.fail(Object.assign(new Error(`The mail thread stopped (${why}).`), { code: 'ECONNECTION' }));
    };
    w.on('error', (err) => gone(err.message));
    w.on('exit', (code) => gone(`exit code ${code}`));
    this.worker = w;
    return w;
  }

  private fail(err: Error): void {
    for (const p of this.waiting.values()) p.reject(err);
    this.waiting.clear();
  }
}
