import { describe, expect, it } from 'vitest';
import { failedPosts } from '../../src/read/failed-posts.ts';
import { emptyDb } from '../../src/domain/model.ts';
import type { VerbContext } from '../../src/domain/context.ts';
import { createComponent } from '../../src/domain/components/manage.ts';
import { declareIncident } from '../../src/domain/incidents/declare.ts';
import { postUpdate } from '../../src/domain/incidents/post-update.ts';
import { renderMarkdown } from '../../src/render/markdown.ts';
import type { ChannelDelivery } from '../../src/store/channels/ledger.ts';

describe("a channel's failed messages, as the channels page names them", () => {
  const db = emptyDb('page0', '2026-12-01T00:00:00.000Z');
  let clock = Date.parse('2026-12-01T10:00:00.000Z');
  const ctx = (): VerbContext => ({ db, now: new Date((clock += 60_000)), actor: 'test', markdown: renderMarkdown });
  createComponent(ctx(), { id: 'api', name: 'API' });
  const incident = declareIncident(ctx(), {
    name: 'Logins fail',
    impact: 'major',
    status: 'investigating',
    body: 'Looking.',
    components: { api: 'major_outage' },
  });
  const { update: identified } = postUpdate(ctx(), incident.id, { status: 'identified', body: 'Found.' });
  const [declared] = incident.updates;
  const delivery = (id: string, over: Partial<ChannelDelivery>): ChannelDelivery => ({
    t: 'c',
    id,
    channel: 'chn_a',
    event: incident.id,
    update: declared!.id,
    component: null,
    kind: 'declared',
    at: declared!.created_at,
    state: 'failed',
    attempts: 1,
    last_error: 'HTTP 422: invalid_payload',
    last_status: 422,
    next_at: null,
    created_at: declared!.created_at,
    sent_at: null,
    ...over,
  });
  const deliveries = [
    delivery('d1', {}),
    delivery('d2', { component: 'api', kind: 'component' }),
    delivery('d3', { update: identified.id, kind: 'update', at: identified.created_at, last_error: 'HTTP 413: too large' }),
    delivery('d4', { update: identified.id, kind: 'update', at: identified.created_at, state: 'sent' }),
    delivery('d5', { channel: 'chn_b' }),
    delivery('d6', {
      event: 'inc_gone',
      update: 'upd_gone',
      kind: 'update',
      at: '2026-12-01T09:00:00.000Z',
      last_error: 'not posted: the incident was withdrawn',
    }),
  ];

  it('newest update first, its messages in the order made; sent ones and other channels left out', () => {
    expect(failedPosts(deliveries, 'chn_a', db, 10).map((f) => [f.id, f.event?.name ?? null, f.what, f.error])).toEqual([
      ['d3', 'Logins fail', 'Identified', 'HTTP 413: too large'],
      ['d1', 'Logins fail', 'Declared', 'HTTP 422: invalid_payload'],
      ['d2', 'Logins fail', 'API: Major outage', 'HTTP 422: invalid_payload'],
      ['d6', null, 'Update', 'not posted: the incident was withdrawn'],
    ]);
  });

  it('at most the limit, the newest', () => {
    expect(failedPosts(deliveries, 'chn_a', db, 2).map((f) => f.id)).toEqual(['d3', 'd1']);
    expect(failedPosts(deliveries, 'chn_none', db, 10)).toEqual([]);
  });
});
