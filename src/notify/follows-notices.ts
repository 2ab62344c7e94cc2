import type { Db } from '../domain/model.ts';
import { existingIds, follows, noticeComponents } from '../domain/components/following.ts';
import type { FollowsNotice } from '../store/mail/unreachable.ts';
import { intentsByKey, type NoticeIntent } from './intents.ts';

/**
 * Whether a subscriber is still told of a notice, by the document as it is now: the rule the sender applies to each
 * message (compose.ts), asked before a retry, so that one who chose other components since is left failed, not
 * queued to fail again at once as "no longer follows". Each notice's components are worked out once per call.
 * `intents`: the document's notices by key, when the caller has them already (the composer keeps them per document).
 */
export function followsNotices(db: Db, intents: ReadonlyMap<string, NoticeIntent> = intentsByKey(db)): FollowsNotice {
  const existing = existingIds(db);
  const about = new Map<string, string[]>();
  return (key, components) => {
    const intent = intents.get(key);
    if (!intent) return true;
    let of = about.get(key);
    if (!of) about.set(key, (of = noticeComponents(intent.incident)));
    return follows(components, of, existing);
  };
}
