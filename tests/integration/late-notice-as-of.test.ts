import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopAll, type HeraldProcess } from '../helpers/server.ts';
import type { TestSmtp } from '../helpers/smtp.ts';
import { heraldWithRelay } from '../helpers/relay-herald.ts';
import { outboxSettled, to, until } from '../helpers/mail-flow.ts';
import { formatDateTime } from '../../src/domain/time-text.ts';

/**
 * From a defect hunt: a notice held by a relay's "try again later" (451) went out once the relay took it, but
 * rendered from the incident as it was by then: a disruption notice gave the estimate of a later update nobody was
 * emailed, and an update sent after a silent resolution said "Estimated resolution: not known yet" and dropped its
 * "(the next by …)". A late notice says what its update said, as the war room's message of it does.
 */
const TZ = 'Asia/Shanghai';
const READER = 'reader@example.com';
let smtp: TestSmtp;
let h: HeraldProcess;
let holding = false;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  ({ smtp, h } = await heraldWithRelay(cleanups, () => (holding ? { code: 451, text: '4.3.0 Try again later' } : null), [READER], {
    SITE_TIMEZONE: TZ,
    MAIL_RETRY_BASE_MS: '300',
    MAIL_RETRY_MAX_MS: '600',
    MAIL_MAX_ATTEMPTS: '100',
  }));
  expect((await h.admin('/components', { body: { id: 'dashboard', name: 'Dashboard' } })).status).toBe(201);
}, 60_000);
afterAll(() => stopAll(...cleanups.reverse()));

const ahead = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
/** The texts of the messages the reader got, in order. */
const texts = async () => Promise.all(to(smtp, READER).map(async (r) => (await smtp.parse(r)).text ?? ''));
/** Waits until the relay has turned down `n` more messages than it had when `since` was read. */
const refused = (since: number) => until(() => smtp.attempts.length > smtp.received.length + since, 'a notice turned down for now');

describe('a notice held by a 451 and sent after later updates', () => {
  it('a disruption notice gives the estimate it was declared with, not that of a later update sent to nobody', async () => {
    holding = true;
    const eta = ahead(180);
    const declared = await h.admin('/incidents', {
      body: {
        name: 'Search slow',
        severity: 'sev2',
        status: 'identified',
        body: 'Search is slow.',
        components: { dashboard: 'degraded_performance' },
        eta,
        notify: true,
      },
    });
    expect(declared.status).toBe(201);
    const id = ((await declared.json()) as { id: string }).id;
    await refused(0);
    const later = ahead(40);
    const update = await h.admin(`/incidents/${id}/updates`, {
      body: { status: 'identified', body: 'A reindex is under way.', notify: false, eta: later },
    });
    expect(update.status).toBe(201);
    holding = false;
    await until(() => to(smtp, READER).length === 1, 'the disruption notice');
    await outboxSettled(h);
    const [notice] = await texts();
    expect(notice).toContain('Current status: Identified\n');
    // Before: "Estimated resolution: <40 minutes ahead>", what the silent update said.
    expect(notice).toContain(`Estimated resolution: ${formatDateTime(eta, TZ)}\n`);
    expect(notice).not.toContain(formatDateTime(later, TZ));
    expect(notice).not.toContain('A reindex is under way.');
  });

  it('an update sent after a resolution nobody was emailed keeps its estimate and its promise of the next', async () => {
    const declared = await h.admin('/incidents', {
      body: { name: 'Exports stuck', severity: 'sev2', status: 'investigating', body: 'Looking.', components: {}, notify: true },
    });
    expect(declared.status).toBe(201);
    const id = ((await declared.json()) as { id: string }).id;
    await until(() => to(smtp, READER).length === 2, 'the disruption notice');
    await outboxSettled(h);
    holding = true;
    const before = smtp.attempts.length - smtp.received.length;
    const eta = ahead(90);
    const posted = await h.admin(`/incidents/${id}/updates`, {
      body: { status: 'identified', body: 'A queue is stuck.', notify: true, eta },
    });
    expect(posted.status).toBe(201);
    await refused(before);
    const resolved = await h.admin(`/incidents/${id}/updates`, { body: { status: 'resolved', body: 'Fixed.', notify: false } });
    expect(resolved.status).toBe(201);
    holding = false;
    await until(() => to(smtp, READER).length === 3, 'the update');
    await outboxSettled(h);
    const notice = (await texts())[2]!;
    expect(notice).toContain('Current status: Identified\n');
    // Before: "Estimated resolution: not known yet", and the promise without "(the next by …)".
    expect(notice).toContain(`Estimated resolution: ${formatDateTime(eta, TZ)}\n`);
    expect(notice).toMatch(/at least every hour \(the next by [^)]+GMT\+8\)/);
    expect(notice).not.toContain('Resolved at');
  });
});
