import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { refilled } from '../../src/console/template-lines.ts';
import { atPublish, ownFactsNotes, templateTimesNote } from '../../src/console/publish-text.ts';
import { declareFromForm, updateFromForm } from '../../src/console/draft-input.ts';
import { blankDeclare, blankUpdate } from '../../src/console/draft-values.ts';
import { declareIncident } from '../../src/domain/incidents/declare.ts';
import { component, ctx, db, T0 } from '../helpers/db.ts';

/**
 * A reviewer opened an incident's page, picked Resolved two minutes later, changed the first sentence and
 * published: the update was stamped at the publish, the body still said "Resolved at" the page's time and
 * its "Total duration". The template's time lines an edited body still has are the publish's. And, from a
 * review of the preview: an edited body kept the "Affected services" and "Estimated resolution" it was filled
 * with after the components or the estimate were changed, while the summary and the email's facts gave the
 * new ones. Those lines, as Herald wrote them, follow the choices too, on the server and in the form's script.
 */
const TZ = 'America/New_York';
const MIN = 60_000;
const at = (minutes: number) => new Date(T0.getTime() + minutes * MIN);
const form = (fields: Record<string, string>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  return f;
};
/** The body with its first line (the template's opening sentence) in the Comms Lead's words. */
const firstSentence = (body: string, words: string) => [words, ...body.split('\n').slice(1)].join('\n');

describe('refilled: the template fact and time lines an edited body still has', () => {
  const was = ['Opening.', '', '- **Affected services:** API', '- **Started at:** 22 Nov 2026, 04:00 EST'].join('\n');
  const now = ['Opening.', '', '- **Affected services:** API', '- **Started at:** 22 Nov 2026, 04:05 EST'].join('\n');

  it('a declare: "Started at" as filled takes the new time; the first sentence edited stays', () => {
    const r = refilled(firstSentence(was, 'Logins fail.'), was, now);
    expect(r.body).toBe(firstSentence(now, 'Logins fail.'));
    expect(r).toMatchObject({ brought: ['Affected services', 'Started at'], own: [] });
  });

  it('a resolve: "Resolved at" and "Total duration"; an identified or monitoring update: "Updated at"', () => {
    const resolved = (d: string, t: string) =>
      ['Fixed, we think.', '', '- **Affected services:** API', `- **Total duration:** ${d}`, `- **Resolved at:** ${t}`, '', 'Bye.'].join(
        '\n',
      );
    // The body's opening is the Comms Lead's, unlike both fillings: it stays, the two time lines move.
    const r = refilled(
      resolved('3 min', '04:53 EST').replace('Fixed, we think.', 'All fixed now.'),
      resolved('3 min', '04:53 EST'),
      resolved('5 min', '04:55 EST'),
    );
    expect(r.body).toBe(resolved('5 min', '04:55 EST').replace('Fixed, we think.', 'All fixed now.'));
    expect(r.brought).toEqual(['Affected services', 'Total duration', 'Resolved at']);
    const updated = (t: string) => `Found it.\n\n- **Estimated resolution:** 06:00 EST\n- **Updated at:** ${t}`;
    expect(refilled(updated('04:53 EST').replace('Found it.', 'The cache.'), updated('04:53 EST'), updated('05:30 EST')).body).toBe(
      updated('05:30 EST').replace('Found it.', 'The cache.'),
    );
  });

  it('a time line edited by hand is kept, and said to be the Comms Lead’s; other lines are never touched', () => {
    const body = was.replace('04:00 EST', '03:40 EST (first alert)');
    const r = refilled(body, was, now);
    expect(r.body).toBe(body);
    expect(r).toMatchObject({ brought: ['Affected services'], own: ['Started at'] });
    const other = (t: string) => `x\n- **Next step:** ${t}`;
    expect(refilled(other('a rollback'), other('a rollback'), other('a restart')).body).toBe(other('a rollback'));
    // No template known (the API, a form without one): the body as written.
    expect(refilled(firstSentence(was, 'Ours.'), '', now).body).toBe(firstSentence(was, 'Ours.'));
  });

  it('"Affected services" and "Estimated resolution" as filled follow the choices; changed by hand they are the Comms Lead’s', () => {
    const facts = (services: string, eta: string, opening = 'Opening.') =>
      [opening, '', `- **Affected services:** ${services}`, `- **Estimated resolution:** ${eta}`, '- **Updated at:** 04:05 EST'].join('\n');
    const filled = facts('Webhooks', '04:20 EST');
    const current = facts('Webhooks and Payouts', '07:20 EST');
    // Before: both lines stayed "Webhooks" and "04:20 EST" under the first sentence edited.
    const r = refilled(facts('Webhooks', '04:20 EST', 'Webhooks are delayed.'), filled, current);
    expect(r.body).toBe(facts('Webhooks and Payouts', '07:20 EST', 'Webhooks are delayed.'));
    expect(r.brought).toEqual(['Affected services', 'Estimated resolution', 'Updated at']);
    const mine = refilled(facts('Webhooks', 'about 04:20 EST'), filled, current);
    expect(mine.body).toBe(facts('Webhooks and Payouts', 'about 04:20 EST'));
    expect(mine.own).toEqual(['Estimated resolution']);
  });

  it('the form’s script brings the same lines as the server (public/admin/console.js)', () => {
    const window: { heraldRefilled?: (body: string, filled: string, current: string) => string; addEventListener(): void } = {
      addEventListener() {},
    };
    runInNewContext(readFileSync(new URL('../../public/admin/console.js', import.meta.url), 'utf8'), {
      window,
      document: { addEventListener() {} },
    });
    const facts = (services: string, eta: string, started: string) =>
      ['Ours.', '', `- **Affected services:** ${services}`, `- **Estimated resolution:** ${eta}`, `- **Started at:** ${started}`].join(
        '\n',
      );
    const filled = facts('Webhooks', '04:20 EST', '04:00 EST');
    const current = facts('Webhooks and Payouts', '07:20 EST', '04:02 EST');
    for (const body of [
      filled.replace('Ours.', 'Webhooks are delayed.'),
      filled.replace('04:20 EST', 'about 04:20 EST'),
      filled.replace('Webhooks\n', 'Webhooks (EU)\n').replace(/\n/g, '\r\n'),
      'Nothing of the template.',
    ])
      expect(window.heraldRefilled!(body, filled, current), body).toBe(refilled(body, filled, current).body);
  });

  it('line endings as the browser sent them (CRLF) are kept', () => {
    const r = refilled(firstSentence(was, 'Ours.').replace(/\n/g, '\r\n'), was, now);
    expect(r.body).toBe(firstSentence(now, 'Ours.').replace(/\n/g, '\r\n'));
  });
});

describe('an edited template through the console: preview, then publish later', () => {
  it('a declare: the page drawn at 0, previewed at 2, published at 5 says it started at 5', () => {
    const d = db([component('api', 'operational', { name: 'API' })]);
    const drawn = blankDeclare({ db: d, timeZone: TZ, now: at(0) });
    expect(drawn.body).toContain('- **Started at:** 22 Nov 2026, 04:00 EST');
    const body = firstSentence(drawn.body, 'Logins are failing for some customers.');
    const read = declareFromForm(form({ name: 'Logins', severity: 'sev2', body, body_template: drawn.bodyTemplate, notify_shown: '0' }), {
      db: d,
      timeZone: TZ,
      now: at(2),
    });
    const action = read.action!;
    // The preview shows the preview's time (what would go out now) and says it will be the publish's.
    expect(action.input.body).toContain('Logins are failing for some customers.');
    expect(action.input.body).toContain('- **Started at:** 22 Nov 2026, 04:02 EST');
    expect(templateTimesNote(action, { db: d, timeZone: TZ, now: at(2) }, null)).toBe(
      "Your text keeps Herald's “Started at” line: it will say the time you publish, as the incident records it.",
    );
    const published = atPublish(action, { db: d, timeZone: TZ, now: at(5) });
    // Before: "Started at: … 04:00 EST", the page's time, under an incident started at 04:05.
    expect(published.input.body).toBe(
      firstSentence(drawn.body, 'Logins are failing for some customers.').replace('04:00 EST', '04:05 EST'),
    );
  });

  it('a resolve: "Resolved at" and "Total duration" are the publish’s; a hand-edited one is kept and the preview says so', () => {
    const d = db([component('api', 'major_outage', { name: 'API' })]);
    const inc = declareIncident(ctx(d), {
      name: 'Down',
      severity: 'sev1',
      status: 'investigating',
      body: 'b',
      components: { api: 'major_outage' },
    });
    const drawn = blankUpdate({ db: d, timeZone: TZ, now: at(1) }, inc, 'resolved');
    expect(drawn.body).toContain('- **Total duration:** 1 min');
    const fields = {
      status: 'resolved',
      body: firstSentence(drawn.body, 'We rolled back the deploy.'),
      body_template: drawn.bodyTemplate,
      notify_shown: '0',
    };
    const action = updateFromForm(form(fields), { db: d, timeZone: TZ, now: at(3) }, inc).action!;
    expect(action.input.body).toContain('- **Total duration:** 3 min');
    expect(templateTimesNote(action, { db: d, timeZone: TZ, now: at(3) }, null)).toBe(
      "Your text keeps Herald's “Resolved at” and “Total duration” lines: they will count to the time you publish, as the incident records it.",
    );
    const body = atPublish(action, { db: d, timeZone: TZ, now: at(40) }).input.body;
    // Before: "Total duration: 1 min", "Resolved at: … 04:01 EST".
    expect(body).toContain('We rolled back the deploy.');
    expect(body).toContain('- **Total duration:** 40 min');
    expect(body).toContain('- **Resolved at:** 22 Nov 2026, 04:40 EST');

    // "Resolved at" written by hand: theirs, at the preview and the publish; the duration still follows.
    const own = fields.body.replace(/- \*\*Resolved at:\*\* .*/, '- **Resolved at:** 03:59 EST, when the rollback finished');
    const mine = updateFromForm(form({ ...fields, body: own }), { db: d, timeZone: TZ, now: at(3) }, inc).action!;
    expect(templateTimesNote(mine, { db: d, timeZone: TZ, now: at(3) }, null)).toBe(
      "Your text keeps Herald's “Total duration” line: it will count to the time you publish, as the incident records it. You wrote “Resolved at” yourself: it goes out as you wrote it, while the incident records the time you publish.",
    );
    const out = atPublish(mine, { db: d, timeZone: TZ, now: at(40) }).input.body;
    expect(out).toContain('- **Resolved at:** 03:59 EST, when the rollback finished');
    expect(out).toContain('- **Total duration:** 40 min');
  });

  it('an update: the components and the estimate changed after the first sentence was edited are the ones its text states; a line changed by hand is kept, and the preview warns', () => {
    const d = db([component('webhooks', 'major_outage', { name: 'Webhooks' }), component('payouts', 'operational', { name: 'Payouts' })]);
    const inc = declareIncident(ctx(d), {
      name: 'Webhooks delayed',
      severity: 'sev3',
      status: 'investigating',
      body: 'b',
      components: { webhooks: 'major_outage' },
      eta: at(20).toISOString(),
    });
    const drawn = blankUpdate({ db: d, timeZone: TZ, now: at(0) }, inc, 'identified');
    expect(drawn.body).toContain('- **Affected services:** Webhooks\n- **Estimated resolution:** 04:20 EST');
    // The first sentence edited, then the estimate moved to 07:20 and Payouts added (the form sent without its script).
    const fields = {
      status: 'identified',
      body: firstSentence(drawn.body, 'A queue backed up behind a slow consumer.'),
      body_template: drawn.bodyTemplate,
      eta: String(200 - 2),
      'component.payouts': 'degraded_performance',
      notify_shown: '0',
    };
    const fc = { db: d, timeZone: TZ, now: at(2) };
    const action = updateFromForm(form(fields), fc, inc).action!;
    // Before: "Affected services: Webhooks" and "Estimated resolution: 04:20 EST", beside the email's 07:20.
    expect(action.input.body).toContain('- **Affected services:** Webhooks and Payouts\n- **Estimated resolution:** 07:20 EST');
    expect(action.input.body.split('\n')[0]).toBe('A queue backed up behind a slow consumer.');
    expect(ownFactsNotes(action)).toEqual([]);
    expect(atPublish(action, { ...fc, now: at(9) }).input.body).toContain('- **Estimated resolution:** 07:20 EST');

    // The estimate line changed by hand: theirs, at the preview and the publish, and the preview says it disagrees.
    const own = fields.body.replace('04:20 EST', '04:20 EST, we hope');
    const mine = updateFromForm(form({ ...fields, body: own }), fc, inc).action!;
    expect(mine.input.body).toContain('- **Affected services:** Webhooks and Payouts\n- **Estimated resolution:** 04:20 EST, we hope');
    expect(ownFactsNotes(mine)).toEqual([
      'Your text says “Estimated resolution: 04:20 EST, we hope” while your choices give “Estimated resolution: 07:20 EST”, which the rest of this update states. You changed that line, so it goes out as you wrote it: go back to edit to make them agree.',
    ]);
    expect(atPublish(mine, { ...fc, now: at(9) }).input.body).toContain('- **Estimated resolution:** 04:20 EST, we hope');
  });

  it('an identified update: "Updated at" is the publish’s; back to edit and previewed again, still', () => {
    const d = db([component('api', 'major_outage', { name: 'API' })]);
    const inc = declareIncident(ctx(d), { name: 'Down', severity: 'sev3', status: 'investigating', body: 'b', components: {} });
    const drawn = blankUpdate({ db: d, timeZone: TZ, now: at(0) }, inc, 'identified');
    const fields = {
      status: 'identified',
      body: firstSentence(drawn.body, 'A bad deploy.'),
      body_template: drawn.bodyTemplate,
      notify_shown: '0',
    };
    const first = updateFromForm(form(fields), { db: d, timeZone: TZ, now: at(2) }, inc);
    // Back to edit: the form sends the draft's body and template, previewed again at 10.
    const again = updateFromForm(
      form({ ...fields, body: first.values.body, body_template: first.values.bodyTemplate }),
      { db: d, timeZone: TZ, now: at(10) },
      inc,
    ).action!;
    expect(again.input.body).toContain('- **Updated at:** 22 Nov 2026, 04:10 EST');
    const body = atPublish(again, { db: d, timeZone: TZ, now: at(31) }).input.body;
    expect(body.split('\n').at(-1)).toBe('- **Updated at:** 22 Nov 2026, 04:31 EST');
    expect(body.split('\n')[0]).toBe('A bad deploy.');
  });
});
