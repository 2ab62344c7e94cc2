import { existsSync } from 'node:fs';
import { acquireLock, DataDirLocked } from './lock.ts';
import type { MailData } from './mail/transfer.ts';
import type { ChannelData } from './channels/transfer.ts';

/**
 * Moving Herald's data between the engines (`npm run db:import`:
 * transfer-import.ts, and `npm run db:export`: transfer-export.ts): the main document (components, incidents,
 * maintenance, settings, channels, audit, idempotency keys), the admin
 * token, email (subscribers, their link key and the outbox:
 * src/store/mail/transfer.ts says what of it) and the channel outbox
 * (src/store/channels/transfer.ts). Each side is validated as Herald would
 * read it before anything is written, all of it is written in one
 * transaction (import) or each file whole (export), and nothing is replaced
 * without `force`. What stays in a DATA_DIR is only what each process keeps
 * for itself (its lock, the static copy of the pages).
 */

export class TransferRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransferRefused';
  }
}

export interface TransferReport {
  /** What was written where, one line each. */
  moved: string[];
}

/** The folder's lock, so that no Herald writes it meanwhile; a running one is a clear refusal. */
export function lock(dir: string): () => void {
  // Else a mistyped path answers with the lock's temp file: ENOENT … open '<dir>/herald.lock.<pid>.tmp'.
  if (!existsSync(dir)) throw new TransferRefused(`${dir} does not exist: check the path. Nothing was changed.`);
  try {
    return acquireLock(dir);
  } catch (err) {
    if (err instanceof DataDirLocked) throw new TransferRefused(`A Herald is running on ${dir}: stop it first. Nothing was changed.`);
    throw err;
  }
}

export function mailMoved(mail: MailData, where: string): string[] {
  return [
    `${where} (${mail.subscribers.length} subscribers, ${mail.intents.length} notices, ${mail.deliveries.length} deliveries kept${mail.linkKey ? ', the link key' : ''})`,
  ];
}

export function channelsMoved(channels: ChannelData, where: string): string[] {
  const waiting = channels.deliveries.filter((d) => d.state !== 'sent').length;
  return [`${where} (${channels.deliveries.length} channel deliveries kept, ${waiting} queued or failed)`];
}
