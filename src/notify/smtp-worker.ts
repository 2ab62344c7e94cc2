import { parentPort, workerData } from 'node:worker_threads';
import { SmtpPool, type Envelope, type SmtpPoolOptions } from './smtp-pool.ts';
import { classify, heldError } from './classify.ts';

/**
 * The SMTP pool on its own thread (started by transport.ts). Sending one
 * message is two round trips to the server (MAIL, RCPT and DATA in one write
 * where it offers PIPELINING, as most do; then the body), four where it does
 * not, and each answer is handled by an event loop: on Herald's main thread, under a
 * flood of page requests, every answer waited for a whole turn of a loop
 * serving 1,000 connections (tens of milliseconds), so a notice went out at
 * ~100 messages/s. Here the answers are handled at once, and the main thread
 * only hands over finished messages and takes back outcomes, both in batches.
 *
 * Jobs wait in two lanes, urgent (confirmations) and ordinary (notices), that
 * take turns for free connections, so a notice's backlog here never holds a
 * confirmation back; within a lane, first in first out.
 *
 * When the relay refuses the mail setup (a 'halt' verdict: a wrong password,
 * TLS required), every job still waiting is given back unattempted (EHELD) at
 * once, as it is on the main thread's 'hold', and so is every job handed over
 * until that hold comes: each would only be refused again, and a relay that
 * sees a login fail per queued message may lock the account or the address
 * out.
 */
export interface SendJob {
  id: number;
  envelope: Envelope;
  raw: Uint8Array | string;
  urgent: boolean;
}
/** What a failed send looked like, as classify.ts reads it (an Error's own fields do not cross threads). */
export interface SentError {
  message: string;
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}
/** `pace`: at most `perSecond` sends begin per second (0: as fast as the connections go); `hold`: give back what waits. */
export type ToWorker = { t: 'send'; jobs: SendJob[] } | { t: 'pace'; perSecond: number } | { t: 'hold' } | { t: 'close' };
export type FromWorker = { t: 'done'; results: Array<[id: number, error: SentError | null]> };
export interface WorkerSetup {
  connection: SmtpPoolOptions['connection'];
  size: number;
}

function errorFields(err: unknown): SentError {
  const e = err as Partial<SentError> & { message?: unknown };
  const out: SentError = { message: typeof e?.message === 'string' ? e.message : String(err) };
  if (typeof e?.code === 'string') out.code = e.code;
  if (typeof e?.responseCode === 'number') out.responseCode = e.responseCode;
  if (typeof e?.response === 'string') out.response = e.response;
  if (typeof e?.command === 'string') out.command = e.command;
  return out;
}

function run(port: NonNullable<typeof parentPort>, setup: WorkerSetup): void {
  const pool = new SmtpPool({ connection: setup.connection, size: setup.size });
  const lanes: [urgent: SendJob[], ordinary: SendJob[]] = [[], []];
  const heads = [0, 0];
  let lastUrgent = false;
  let active = 0;
  let closed = false;
  let results: FromWorker['results'] = [];
  // Set by a halt verdict, until the main thread's next hold (it holds on every halt it is told of): what it
  // hands over before then was sent before it knew, and is given back as well.
  let halted = false;
  let flushing = false;
  // Pacing: a token bucket holding at most 50 ms of sends, refilled as time passes.
  let perSecond = 0;
  let tokens = 0;
  let filledAt = performance.now();
  let paceTimer: NodeJS.Timeout | null = null;
  const mayStart = (): boolean => {
    if (perSecond === 0) return true;
    const now = performance.now();
    tokens = Math.min(Math.max(1, perSecond / 20), tokens + ((now - filledAt) * perSecond) / 1000);
    filledAt = now;
    if (tokens >= 1) return true;
    if (!paceTimer) {
      paceTimer = setTimeout(
        () => {
          paceTimer = null;
          pump();
        },
        Math.max(1, Math.ceil(((1 - tokens) * 1000) / perSecond)),
      );
    }
    return false;
  };

  const flush = () => {
    flushing = false;
    if (results.length === 0) return;
    const msg: FromWorker = { t: 'done', results };
    results = [];
    port.postMessage(msg);
  };
  const settle = (id: number, error: SentError | null) => {
    results.push([id, error]);
    // Outcomes of one turn go back together: one message for the main thread to handle, not one per mail.
    if (!flushing) {
      flushing = true;
      setImmediate(flush);
    }
  };
  const take = (lane: 0 | 1): SendJob | undefined => {
    const q = lanes[lane];
    if (heads[lane]! >= q.length) return undefined;
    const job = q[heads[lane]!]!;
    q[heads[lane]!] = undefined as unknown as SendJob; // not kept alive by the lane
    heads[lane]!++;
    if (heads[lane]! > 1024 && heads[lane]! * 2 > q.length) {
      lanes[lane] = q.slice(heads[lane]);
      heads[lane] = 0;
    }
    return job;
  };
  const next = (): SendJob | undefined => {
    // The lanes take turns: the one that did not go last goes first.
    const order: Array<0 | 1> = lastUrgent ? [1, 0] : [0, 1];
    for (const lane of order) {
      const job = take(lane);
      if (job) {
        lastUrgent = lane === 0;
        return job;
      }
    }
    return undefined;
  };
  /** Gives back every job not yet begun (see the module comment). */
  const hold = () => {
    const held = errorFields(heldError());
    for (const lane of [0, 1] as const) for (let job = take(lane); job; job = take(lane)) settle(job.id, held);
  };
  const pump = () => {
    // As many sends as connections: more would only wait inside the pool, past the lanes' turns.
    while (!closed && active < setup.size) {
      if (heads[0]! >= lanes[0].length && heads[1]! >= lanes[1].length) return;
      if (!mayStart()) return;
      const job = next();
      if (!job) return;
      if (perSecond > 0) tokens--;
      active++;
      const raw = typeof job.raw === 'string' ? job.raw : Buffer.from(job.raw.buffer, job.raw.byteOffset, job.raw.byteLength);
      void pool
        .send(job.envelope, raw)
        .then(
          () => settle(job.id, null),
          (err: unknown) => {
            const error = errorFields(err);
            settle(job.id, error);
            if (classify(error) === 'halt') {
              halted = true;
              hold();
            }
          },
        )
        .finally(() => {
          active--;
          pump();
        });
    }
  };

  port.on('message', (msg: ToWorker) => {
    if (msg.t === 'pace') {
      if (perSecond === 0 && msg.perSecond > 0) {
        tokens = 0;
        filledAt = performance.now();
      }
      perSecond = msg.perSecond;
      pump();
      return;
    }
    if (msg.t === 'hold') {
      hold();
      halted = false;
      return;
    }
    if (msg.t === 'close') {
      closed = true;
      if (paceTimer) clearTimeout(paceTimer);
      pool.close();
      const gone = { message: 'The mail pool is closed.', code: 'ECONNECTION' };
      for (const lane of [0, 1] as const) for (let job = take(lane); job; job = take(lane)) settle(job.id, gone);
      // Outcomes of the sends still under way come back before the port closes.
      // (A send the closed pool does not end within 5 s is given up: the main thread has stopped waiting by then.)
      const until = Date.now() + 5000;
      const done = (): void => {
        if (active > 0 && Date.now() < until) setTimeout(done, 10);
        else {
          flush();
          port.close();
        }
      };
      done();
      return;
    }
    for (const job of msg.jobs) lanes[job.urgent ? 0 : 1].push(job);
    if (halted) hold();
    else pump();
  });
}

if (parentPort) run(parentPort, workerData as WorkerSetup);
