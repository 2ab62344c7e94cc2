import { describe, expect, it } from 'vitest';
import { createComponent } from '../../src/domain/components/manage.ts';
import { scheduleMaintenance } from '../../src/domain/maintenance/schedule.ts';
import { declareIncident } from '../../src/domain/incidents/declare.ts';
import { createChannel } from '../../src/domain/channels/manage.ts';
import { Invalid } from '../../src/domain/errors.ts';
import { T0, ctx, db } from '../helpers/db.ts';

/*
 * A group's id where a component's goes, from a hunt on maintenance windows: the id the v2 components list (with
 * "group": true) and the banner's filter take was refused as "Unknown component", sending the operator looking
 * for a typo. It is refused for what it is, naming the components to give instead.
 */
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000).toISOString();

function site() {
  const d = db();
  createComponent(ctx(d), { name: 'Email delivery', group: 'Infrastructure' });
  createComponent(ctx(d), { name: 'Database', group: 'Infrastructure' });
  return { d, group: d.groups[0]!.id };
}

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(Invalid);
    return (err as Invalid).message;
  }
  throw new Error('not refused');
};

describe('a group id given as a component', () => {
  it('is refused as the group it is, with its components to name: a window, an incident, a channel', () => {
    const { d, group } = site();
    const said = `"${group}" is the group Infrastructure, not a component: name its components instead (email-delivery and database).`;
    // Before: Unknown component "<id>".
    expect(
      refusal(() => scheduleMaintenance(ctx(d), { name: 'Resize', scheduled_for: at(60), scheduled_until: at(120), components: [group] })),
    ).toBe(said);
    expect(
      refusal(() =>
        declareIncident(ctx(d), {
          name: 'Slow',
          impact: 'minor',
          status: 'investigating',
          body: 'Looking.',
          components: { [group]: 'degraded_performance' },
        }),
      ),
    ).toBe(said);
    expect(
      refusal(() =>
        createChannel(ctx(d), { kind: 'slack', name: 'Room', url: 'https://hooks.slack.com/services/T/B/X', components: [group] }),
      ),
    ).toBe(said);
  });

  it('an id that names nothing is still "Unknown component"', () => {
    const { d } = site();
    expect(
      refusal(() => scheduleMaintenance(ctx(d), { name: 'Resize', scheduled_for: at(60), scheduled_until: at(120), components: ['nope'] })),
    ).toBe('Unknown component "nope".');
  });
});
