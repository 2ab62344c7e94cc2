import { describe, expect, it } from 'vitest';
import { emptyDb } from '../../src/domain/model.ts';
import type { VerbContext } from '../../src/domain/context.ts';
import { createComponent } from '../../src/domain/components/manage.ts';
import { declareIncident } from '../../src/domain/incidents/declare.ts';
import { postUpdate } from '../../src/domain/incidents/post-update.ts';
import { savePostmortem } from '../../src/domain/incidents/postmortem.ts';
import { openAlike } from '../../src/domain/incidents/alike.ts';
import { renderMarkdown } from '../../src/render/markdown.ts';

/**
 * The declare preview's "Publishing this declares a second incident … Post an update to it instead" lists
 * the incidents still open. Found by a review of the preview: an incident whose postmortem was published
 * (status `postmortem`) was listed as "Open now", and its link led the Comms Lead to post a note to an old
 * incident instead of declaring the new outage.
 */
describe('the open incidents a declare would stand beside', () => {
  const now = new Date('2026-12-07T10:00:00Z');
  const db = emptyDb('page', now.toISOString());
  const ctx = (): VerbContext => ({ db, now, actor: 'test', markdown: renderMarkdown });
  createComponent(ctx(), { id: 'cards', name: 'Card payments' });
  const declare = (name: string) =>
    declareIncident(ctx(), { name, impact: 'major', status: 'investigating', body: 'Looking.', components: { cards: 'major_outage' } });

  it('leaves out one resolved and one whose postmortem is published, and keeps one still open', () => {
    const resolved = declare('Card payments failing');
    postUpdate(ctx(), resolved.id, { status: 'resolved', body: 'Fixed.' });
    const reviewed = declare('Card payments failing');
    postUpdate(ctx(), reviewed.id, { status: 'resolved', body: 'Fixed.' });
    savePostmortem(ctx(), reviewed.id, { body: 'What happened.', publish: true });
    expect(reviewed.status).toBe('postmortem');
    const input = { name: 'Card payments failing', components: { cards: 'major_outage' } };
    expect(openAlike(db, input)).toEqual([]);
    const open = declare('Refunds slow');
    expect(openAlike(db, input).map((i) => i.id)).toEqual([open.id]);
  });
});
