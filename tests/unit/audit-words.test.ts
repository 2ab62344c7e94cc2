import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { actionLabel, actorLabel, detailLines } from '../../src/console/audit-words.ts';

describe('the audit log in plain words', () => {
  it.each([
    ['incident.declare', 'Declared incident'],
    ['subscriber.remove', 'Removed subscriber'],
    ['channel.secret', 'Replaced webhook signing secret'],
    ['something.new', 'something.new'],
  ])('the action %s reads "%s"', (code, words) => expect(actionLabel(code)).toBe(words));

  it('every action Herald records has words (none shows up as its code)', () => {
    const src = new URL('../../src/', import.meta.url).pathname;
    const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const codes = new Set(
      files.flatMap((f) => [...readFileSync(join(src, f), 'utf8').matchAll(/recordAudit\([^,]+, '([a-z_.]+)'/g)].map((m) => m[1]!)),
    );
    expect(codes.size).toBeGreaterThan(20);
    expect([...codes].filter((code) => actionLabel(code) === code)).toEqual([]);
  });

  it.each([
    ['admin-token', 'The admin token (API)'],
    ['console:Dana', 'Signed-in Comms Lead Dana'],
    ['console:comms-lead', 'A signed-in Comms Lead (no name given)'],
    ['timer', 'Herald, on schedule'],
    ['channels', "Herald's channel sender"],
  ])('the actor %s reads "%s"', (actor, words) => expect(actorLabel(actor)).toBe(words));

  it('details are Key: value lines, times in the site zone, lists joined, nothing as none', () => {
    expect(
      detailLines(
        { scheduled_for: '2026-12-03T14:05:00.000Z', auto: false, retiring_until: [], severity: null, components: ['api', 'web'] },
        'Europe/Berlin',
      ),
    ).toEqual([
      ['Scheduled for', expect.stringMatching(/15:05/)],
      ['Auto', 'no'],
      ['Retiring until', 'none'],
      ['Severity', 'none'],
      ['Components', 'api, web'],
    ]);
    expect(detailLines('Old **text**', 'UTC')).toEqual([[null, 'Old **text**']]);
  });
});
