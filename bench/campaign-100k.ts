import os from 'node:os';
import { parseArgs } from 'node:util';
import { commonFigures, mb } from './lib/campaign/report.ts';
import { runCampaignBench } from './lib/campaign/run.ts';
import { fmtMs, round1, table } from './lib/stats.ts';

/**
 * `npm run bench:campaign-100k`: a 100,000-contact campaign to completion with instantly answered
 * dials (the bench double, as in bench:campaign). Shows it completes, every contact is dialed
 * exactly once (counted in Postgres: the double logs a row per newly claimed dial), the worker's
 * RSS stays flat (sampled all along: first / middle / last / max), and no campaign run's history
 * reaches 10,000 events (each run described through the Temporal client). It takes longer than
 * five minutes at the default size (contacts / the dispatch rate of bench:campaign); a smaller
 * size is a flag. Replays every run. Exits 1 when exactly-once, the history bound or a replay fails.
 * Flags: --contacts N (100000), --concurrency N (200), --pacing N per minute (60000),
 *        --sample-s N (5).
 */
const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '100000' },
    concurrency: { type: 'string', default: '200' },
    pacing: { type: 'string', default: '60000' },
    'sample-s': { type: 'string', default: '5' },
  },
});
const HISTORY_LIMIT = 10_000;

const r = await runCampaignBench({
  name: 'campaign100k',
  contacts: Number(values.contacts),
  concurrency: Number(values.concurrency),
  pacingPerMinute: Number(values.pacing),
  sampleMs: Number(values['sample-s']) * 1000,
});
const { rows, json, stagesTable, exactlyOnce } = commonFigures(r);
const samples = r.rss;
const pick = (i: number) => samples[Math.min(samples.length - 1, Math.max(0, i))];
const points = [
  ['first', pick(0)],
  ['middle', pick(Math.floor(samples.length / 2))],
  ['last', pick(samples.length - 1)],
] as const;
const historyOk = json.max_history_length < HISTORY_LIMIT;

console.log(
  `campaign of ${r.options.contacts} contacts to completion: concurrency limit ${r.options.concurrency}, pacing ` +
    `${r.options.pacingPerMinute}/min, instantly answered dials (bench double), one worker process, ` +
    `${os.cpus().length} cores shared with the dev server, Postgres and this process`,
);
console.log(table([['figure', 'value'], ...rows]));
console.log(stagesTable);
console.log(`  worker RSS over the campaign (${samples.length} samples, every ${values['sample-s']} s):`);
console.log(
  table([
    ['sample', 'at (s)', 'dials started', 'RSS (MB)'],
    ...points.map(([name, s]) => [
      name,
      fmtMs((s?.atMs ?? Number.NaN) / 1000, 0),
      String(s?.dialsStarted ?? '-'),
      fmtMs(mb(s?.rss ?? Number.NaN), 0),
    ]),
    ['max', '', '', fmtMs(json.worker_rss_max_mb ?? Number.NaN, 0)],
  ]),
);
console.log(`  every contact dialed exactly once: ${exactlyOnce ? 'yes' : 'NO'}`);
for (const failure of r.replayFailures) console.log(`  run does NOT replay: ${failure.slice(0, 300)}`);
console.log(
  `  max history length of a run < ${HISTORY_LIMIT}: ${json.max_history_length} ${historyOk ? 'ok' : 'OVER'}`,
);
console.log(`  total run time: ${fmtMs(r.wallMs / 1000 / 60, 1)} min (campaign create ${json.create_s} s)`);
if (!exactlyOnce || !historyOk || r.replayFailures.length > 0) process.exitCode = 1;
console.log(
  JSON.stringify({
    bench: 'campaign-100k',
    ...json,
    exactly_once: exactlyOnce,
    rss_first_mb: round1(mb(pick(0)?.rss ?? Number.NaN)),
    rss_middle_mb: round1(mb(pick(Math.floor(samples.length / 2))?.rss ?? Number.NaN)),
    rss_last_mb: round1(mb(pick(samples.length - 1)?.rss ?? Number.NaN)),
    rss_samples: samples.length,
    history_limit: HISTORY_LIMIT,
  }),
);
