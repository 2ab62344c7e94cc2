import { type Db, findEvent } from '../domain/model.ts';
import type { NoticeProgress } from '../store/mail/port.ts';

/**
 * Whether a notice's fan-out is over, as the Deliveries page and API tell it: done, or its incident withdrawn (a
 * fan-out cut short by a change of leader, a restart or the database away, then withdrawn, is never taken up
 * again, and its row says not done for good).
 */
export const fanOutOver = (it: Pick<NoticeProgress, 'done' | 'incident'>, db: Db): boolean => it.done || !findEvent(db, it.incident);
