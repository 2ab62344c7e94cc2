import { describe, expect, it } from 'vitest';
import { auditMatcher, auditQuery } from '../../src/console/audit-search.ts';
import { createChannel, editChannel } from '../../src/domain/channels/manage.ts';
import { ctx, db } from '../helpers/db.ts';
import type { AuditEvent } from '../../src/domain/model.ts';

/*
 * The audit log as an investigator reads it after an incident, from a hunt: a withdrawn incident's name and a
 * corrected update's old text, kept only as the previous value, could not be searched for; a channel moved to
 * another path on the same host was recorded with the same before and after (the address is audited by its host).
 */
const event = (e: Partial<AuditEvent>): AuditEvent =>
  ({ id: 'e1', at: '2026-12-07T10:00:00.000Z', actor: 'admin-token', action: 'incident.withdraw', target: 'INC-1', ...e }) as AuditEvent;

describe('the audit search', () => {
  it('finds a withdrawn incident by its name and a correction by its old text: the previous value is searched', () => {
    // Before: false for both.
    expect(auditMatcher(auditQuery('Drill'))(event({ previous: { name: 'Drill: DB down' } }))).toBe(true);
    expect(auditMatcher(auditQuery('found it'))(event({ action: 'incident.update.correct', previous: 'Found it.' }))).toBe(true);
    expect(auditMatcher(auditQuery('elsewhere'))(event({ previous: { name: 'Drill: DB down' } }))).toBe(false);
  });
});

describe('a channel moved to another address on the same host', () => {
  it('is recorded as an address changed, never showing it', () => {
    const d = db([{ id: 'api' }]);
    const secret = 'https://partner.example.com/status-hook?api_key=QSECRET';
    const ch = createChannel(ctx(d), { kind: 'webhook', name: 'Partner', url: secret });
    editChannel(ctx(d), ch.id, { url: 'https://partner.example.com/v2/hook?api_key=QSECRET2' });
    const edit = d.audit.at(-1)!;
    expect(edit.action).toBe('channel.edit');
    // Before: the detail was the previous value again, word for word.
    expect(edit.detail).toMatchObject({ address_changed: true });
    expect(JSON.stringify(edit)).not.toContain('QSECRET');
    editChannel(ctx(d), ch.id, { name: 'Partner feed' });
    expect(d.audit.at(-1)!.detail).not.toHaveProperty('address_changed');
  });
});
