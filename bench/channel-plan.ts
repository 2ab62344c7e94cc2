/**
 * `npm run bench:channel-plan`: the channel planner (src/channels/plan.ts) in process, on one incident of
 * UPDATES updates (default 1000) and CHANNELS channels (default 40: half webhooks, half Slack, two in three
 * scoped to a component). The leader runs it on every pass: a full replan (a pass planning from the start, as
 * after a restart or a take-over, whose mark lies before every update) and the usual pass (one new update).
 * Prints figures; never fails on speed.
 */
import { performance } from 'node:perf_hooks';
import { ctx, db } from '../tests/helpers/db.ts';
import { declareIncident } from '../src/domain/incidents/declare.ts';
import { postUpdate } from '../src/domain/incidents/post-update.ts';
import { createChannel } from '../src/domain/channels/manage.ts';
import { channelMessages } from '../src/channels/plan.ts';

const UPDATES = Number(process.env.UPDATES ?? 1000);
const CHANNELS = Number(process.env.CHANNELS ?? 40);
const ROUNDS = 5;

const d = db([{ id: 'api' }, { id: 'web' }]);
for (let i = 0; i < CHANNELS; i++) {
  const kind = i % 2 ? 'slack' : 'webhook';
  createChannel(ctx(d, 0), { kind, name: `c${i}`, url: `https://hooks.example.com/${i}`, components: i % 3 ? ['api'] : [] });
}
const inc = declareIncident(ctx(d, 1), {
  name: 'API errors',
  impact: 'major',
  status: 'investigating',
  body: 'Looking.',
  components: { api: 'major_outage' },
});
for (let i = 0; i < UPDATES - 1; i++) {
  // Every 50th update moves the website in or out of trouble: component changes for the webhooks.
  const web = i % 50 === 0 ? { components: { web: i % 100 ? ('operational' as const) : ('degraded_performance' as const) } } : {};
  postUpdate(ctx(d, 2 + i / 100), inc.id, { status: 'identified', body: `Update ${i}.`, ...web });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const timed = (since: string) => {
  const ms: number[] = [];
  let messages = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t = performance.now();
    messages = channelMessages(d, since).length;
    ms.push(performance.now() - t);
  }
  return `median ${median(ms).toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms (${ROUNDS} rounds, ${messages} messages)`;
};

console.log(`bench:channel-plan: ${UPDATES} updates, ${CHANNELS} channels, Node ${process.version}`);
console.log(`  full replan:    ${timed(new Date(0).toISOString())}`);
console.log(`  one new update: ${timed(inc.updates.at(-1)!.created_at)}`);
