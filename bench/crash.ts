/**
 * `npm run bench:crash [-- --kills N --seed S]`: the long crash-safety run
 * (default 200 SIGKILLs during a stream of admin writes). The short version
 * runs in `npm test` (tests/integration/crash-safety.test.ts).
 */
import { parseArgs } from 'node:util';
import { runCrashHarness } from '../tests/helpers/crash-harness.ts';

const { values } = parseArgs({ options: { kills: { type: 'string', default: '200' }, seed: { type: 'string' } } });
const started = Date.now();
const report = await runCrashHarness({
  kills: Number(values.kills),
  seed: values.seed === undefined ? undefined : Number(values.seed),
  log: (line) => console.log(line),
});
const minutes = ((Date.now() - started) / 60_000).toFixed(1);
console.log(
  `${report.kills} SIGKILLs (${report.killsDuringWrites} with writes in flight) in ${minutes} min, seed ${report.seed}: ` +
    `${report.attempted} writes attempted, ${report.acked} answered 2xx (all present after every kill), ${report.unanswered} cut off by a kill.`,
);
if (report.failures.length) {
  console.error(`FAIL:\n  ${report.failures.join('\n  ')}`);
  process.exit(1);
}
console.log('PASS: the data file parsed and validated after every kill, and no acknowledged write was lost.');
