import { describe, expect, it } from 'vitest';
import { emailState, emailTag, lateNoticeSaid, postmortemSaid } from '../../src/console/email-said.ts';
import type { NoticeProgress } from '../../src/store/mail/port.ts';

/** What the console's incident page says of a notice's email, from its progress in the outbox. */
const notice = (p: Partial<NoticeProgress>): NoticeProgress => ({
  t: 'i',
  key: 'u1',
  incident: 'INC-1',
  update: 'u1',
  kind: 'disruption',
  cursor: 0,
  done: false,
  created_at: '2026-12-06T06:00:00.000Z',
  archived_sent: 0,
  queued: 0,
  sent: 0,
  failed: 0,
  ...p,
});
const tag = (p?: Partial<NoticeProgress>) => emailTag(emailState(p && notice(p)))?.text ?? null;

describe('an update’s email tag', () => {
  it('says "emailed" only once a delivery was sent, and says so while its fan-out is under way', () => {
    expect(tag({ done: false })).toBe('being emailed');
    expect(tag({ done: true, queued: 3 })).toBe('being emailed');
    expect(tag({ done: true, queued: 1, sent: 2 })).toBe('being emailed: 2 subscribers so far');
    expect(tag({ done: true, sent: 1, failed: 1 })).toBe('emailed');
    expect(tag({ done: true, archived_sent: 0, sent: 5 })).toBe('emailed');
    expect(tag({ done: true })).toBe('no subscriber to email');
    expect(tag({ done: true, failed: 2 })).toBe('email failed');
  });
  it('says nothing when the outbox has no record of it', () => {
    expect(tag(undefined)).toBeNull();
  });
});

describe('the held-back disruption notice, once due', () => {
  it('says whether, when and to how many it was emailed', () => {
    const said = (p?: Partial<NoticeProgress>) => lateNoticeSaid(emailState(p && notice(p)), '06:49 UTC');
    expect(said({ done: true, sent: 1 })).toBe('Subscribers were emailed the disruption notice at 06:49 UTC (1 subscriber).');
    expect(said({ done: false })).toBe('The disruption notice fell due at 06:49 UTC: subscribers are being emailed it.');
    expect(said({ done: true })).toBe('The disruption notice fell due at 06:49 UTC, but there was no subscriber to email it to.');
    expect(said(undefined)).toBe('The disruption notice fell due at 06:49 UTC.');
  });
  it('says so when it failed to every subscriber, and is not "emailed" while one is still queued', () => {
    const said = (p: Partial<NoticeProgress>) => lateNoticeSaid(emailState(notice(p)), '06:49 UTC');
    expect(said({ done: true, failed: 3 })).toBe(
      'The disruption notice fell due at 06:49 UTC, but its email failed to every subscriber (3): see Deliveries.',
    );
    expect(said({ done: true, failed: 2, queued: 1 })).toBe(
      'The disruption notice fell due at 06:49 UTC: subscribers are being emailed it.',
    );
  });
});

describe("the postmortem page's notice after a publish that emails", () => {
  it('says what became of its email, in the tags’ words', () => {
    const said = (p?: Partial<NoticeProgress>) => postmortemSaid(emailState(p && notice(p)));
    expect(said({ done: false })).toBe('Published on the incident page; subscribers are being emailed.');
    expect(said({ done: true, queued: 2, sent: 1 })).toBe(
      'Published on the incident page; subscribers are being emailed (1 subscriber so far).',
    );
    expect(said({ done: true, sent: 1200 })).toBe('Published on the incident page; subscribers were emailed (1,200 subscribers).');
    expect(said({ done: true })).toBe('Published on the incident page; there was no subscriber to email it to.');
    expect(said({ done: true, failed: 4 })).toBe(
      'Published on the incident page, but its email failed to every subscriber (4): see Deliveries.',
    );
    expect(said(undefined)).toBe(
      'Published on the incident page. Whether subscribers were emailed cannot be read right now: see Deliveries.',
    );
  });
});
