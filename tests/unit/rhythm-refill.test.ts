import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ownRhythm, refilled } from '../../src/console/template-lines.ts';
import { ownRhythmNote } from '../../src/console/publish-text.ts';
import { declareFromForm, updateFromForm } from '../../src/console/draft-input.ts';
import { blankUpdate } from '../../src/console/draft-values.ts';
import { declareIncident } from '../../src/domain/incidents/declare.ts';
import { isRhythmSentence, rhythmSentences } from '../../src/domain/rhythm-sentences.ts';
import { withoutStated } from '../../src/notify/without-stated.ts';
import { component, ctx, db, T0 } from '../helpers/db.ts';

/**
 * From a defect hunt: an SEV-1 update's body edited in its first sentence, then re-graded to SEV-3, kept the
 * SEV-1 template's "We will provide the next update within 30 minutes." The page promised SEV-1's rhythm, the
 * reminder counted SEV-3's, and the email carried both its own promise and the old sentence. The template's
 * rhythm sentence, as Herald wrote it, follows the level as its fact lines follow the choices; one the Comms
 * Lead wrote is theirs, and the preview names both; the email leaves out a rhythm sentence of any level.
 */
const TZ = 'America/New_York';
const fc = (d: ReturnType<typeof db>, minutes = 0) => ({ db: d, timeZone: TZ, now: new Date(T0.getTime() + minutes * 60_000) });
const form = (fields: Record<string, string>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  return f;
};
const SEV1_NEXT = 'We will provide the next update within 30 minutes.';
const SEV3_NEXT = 'We will provide the next update within 4 hours.';
const opening = (rhythm: string) => `We found a bad config push on Web and are rolling it back. ${rhythm}`;
const body = (first: string) => [first, '', '- **Affected services:** Web', '- **Updated at:** 04:05 EST'].join('\n');

describe('refilled: the rhythm sentence as the template wrote it follows the level', () => {
  const filled = body(`We have identified the issue affecting Web and are working on a fix. ${SEV1_NEXT}`);
  const current = body(`We have identified the issue affecting Web and are working on a fix. ${SEV3_NEXT}`);

  it('a re-grade brings the sentence up, the first sentence edited staying the Comms Lead’s', () => {
    const r = refilled(body(opening(SEV1_NEXT)), filled, current);
    // Before: "… rolling it back. We will provide the next update within 30 minutes."
    expect(r.body).toBe(body(opening(SEV3_NEXT)));
    expect(r.rhythm).toBe(true);
  });

  it('a level with no cadence: the identified template states none, so the sentence goes with its space', () => {
    const none = body('We have identified the issue affecting Web and are working on a fix.');
    expect(refilled(body(opening(SEV1_NEXT)), filled, none).body).toBe(body('We found a bad config push on Web and are rolling it back.'));
  });

  it('a rhythm the Comms Lead wrote or changed stays, and is said to differ; the same level changes nothing', () => {
    const mine = body(opening('We will provide the next update within 2 hours.'));
    expect(refilled(mine, filled, current)).toMatchObject({ body: mine, rhythm: false });
    expect(ownRhythm(mine, current)).toEqual({ said: 'We will provide the next update within 2 hours.', chosen: SEV3_NEXT });
    expect(ownRhythm(body(opening(SEV3_NEXT)), current)).toBeNull();
    expect(refilled(body(opening(SEV1_NEXT)), filled, filled)).toMatchObject({ body: body(opening(SEV1_NEXT)), rhythm: false });
  });

  it('the form’s script brings the same (public/admin/console.js)', () => {
    const window: { heraldRefilled?: (body: string, filled: string, current: string) => string; addEventListener(): void } = {
      addEventListener() {},
    };
    runInNewContext(readFileSync(new URL('../../public/admin/console.js', import.meta.url), 'utf8'), {
      window,
      document: { addEventListener() {} },
    });
    const none = body('We have identified the issue affecting Web and are working on a fix.');
    for (const [b, to] of [
      [body(opening(SEV1_NEXT)), current],
      [body(opening(SEV1_NEXT)).replace(/\n/g, '\r\n'), current],
      [body(opening(SEV1_NEXT)), none],
      [body(opening('We will provide the next update within 2 hours.')), current],
    ] as const)
      expect(window.heraldRefilled!(b, filled, to), b).toBe(refilled(b, filled, to).body);
  });
});

describe('through the console forms, without the script', () => {
  const site = () => db([component('web', 'major_outage', { name: 'Web' })]);

  it('an update re-graded from SEV-1 to SEV-3 promises SEV-3’s rhythm; a hand-written one is warned of', () => {
    const d = site();
    const inc = declareIncident(ctx(d), {
      name: 'Web down',
      severity: 'sev1',
      status: 'investigating',
      body: 'b',
      components: { web: 'major_outage' },
    });
    const drawn = blankUpdate(fc(d, 1), inc, 'identified');
    expect(drawn.body).toContain(SEV1_NEXT);
    const edited = drawn.body.replace(
      'We have identified the issue affecting Web and are working on a fix.',
      'We found a bad config push on Web and are rolling it back.',
    );
    const read = (b: string) =>
      updateFromForm(
        form({ status: 'identified', severity: 'sev3', eta: 'none', body: b, body_template: drawn.bodyTemplate, notify_shown: '0' }),
        fc(d, 2),
        inc,
      ).action!;
    const action = read(edited);
    expect(action.input.body.split('\n')[0]).toBe(opening(SEV3_NEXT));
    expect(ownRhythmNote(action)).toBeNull();
    const own = read(edited.replace(SEV1_NEXT, 'We will provide the next update within 2 hours.'));
    expect(ownRhythmNote(own)).toBe(
      `Your text promises “We will provide the next update within 2 hours.” while the severity chosen promises “${SEV3_NEXT}”, which the email and the next update due follow. You wrote that sentence, so the page shows it as you wrote it: go back to edit to make them agree.`,
    );
  });

  it('a declare whose severity changes after the body was edited promises the new level’s rhythm', () => {
    const d = site();
    const sev1 = declareFromForm(
      form({ name: 'Web down', severity: 'sev1', body: '', body_template: '', notify_shown: '0' }),
      fc(d),
    ).values;
    expect(sev1.body).toContain('We will provide updates at least every 30 minutes.');
    const edited = sev1.body.replace(/^We are investigating reports of problems with [^.]+\./, 'Web pages fail to load.');
    const action = declareFromForm(
      form({
        name: 'Web down',
        severity: 'sev3',
        'component.web': 'major_outage',
        body: edited,
        body_template: sev1.bodyTemplate,
        notify_shown: '0',
      }),
      fc(d, 1),
    ).action!;
    // Before: "Web pages fail to load. We will provide updates at least every 30 minutes."
    expect(action.input.body.split('\n')[0]).toBe('Web pages fail to load. We will provide updates at least every 4 hours.');
  });
});

describe('the email leaves out a rhythm sentence of any level beside its own promise', () => {
  it('an old level’s sentence goes as the current one’s does; other sentences stay', () => {
    const strip = (b: string) => withoutStated(b, {}, isRhythmSentence);
    expect(strip(opening(SEV1_NEXT))).toBe('We found a bad config push on Web and are rolling it back.');
    expect(strip(opening('We will provide updates at least every 2 days.'))).toBe(
      'We found a bad config push on Web and are rolling it back.',
    );
    for (const s of [...rhythmSentences(null), ...rhythmSentences(60), ...rhythmSentences(10080), ...rhythmSentences(45)])
      expect(isRhythmSentence(s), s).toBe(true);
    expect(isRhythmSentence('We will provide the next update within 30 minutes, or sooner.')).toBe(false);
    expect(strip('We will provide the next update within 30 minutes, or sooner.')).toBe(
      'We will provide the next update within 30 minutes, or sooner.',
    );
  });
});
