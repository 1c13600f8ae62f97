import os from 'node:os';
import { parseArgs } from 'node:util';
import { commonFigures } from './lib/campaign/report.ts';
import { runCampaignBench } from './lib/campaign/run.ts';
import { table, verdict } from './lib/stats.ts';

/**
 * `npm run bench:campaign`: how fast one worker dispatches a campaign's dials. The real
 * `campaignWorkflow` and its activities run in a worker process of their own against a Temporal
 * dev server and a fresh Postgres database; the dialer is the instant bench double
 * (bench/lib/campaign/instant-dialer-workflow.ts: claims the dial durably, answers at once), so
 * what is measured is the campaign's own dispatch: child starts, outcome batches, page reads,
 * continue-as-new. Pacing is at its maximum (60,000/min), the concurrency limit high.
 *
 * Dial start = the child workflow's start time; outcome = the campaign's batched outcome write
 * (dial_attempts.finished_at). In flight = most dials between those two at one moment.
 * Flags: --contacts N (3000), --concurrency N (200), --pacing N per minute (60000),
 *        --dials-per-run N (workflow default), --page-size N (workflow default).
 */
const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '200' },
    pacing: { type: 'string', default: '60000' },
    'dials-per-run': { type: 'string' },
    'page-size': { type: 'string' },
  },
});
const TARGET_DIALS_PER_S = 100;
const optional = (v: string | undefined) => (v === undefined ? undefined : Number(v));

const r = await runCampaignBench({
  name: 'campaign',
  contacts: Number(values.contacts),
  concurrency: Number(values.concurrency),
  pacingPerMinute: Number(values.pacing),
  dialsPerRun: optional(values['dials-per-run']),
  pageSize: optional(values['page-size']),
  sampleMs: 500,
});
const { rows, json, stagesTable, exactlyOnce } = commonFigures(r);
console.log(
  `campaign dispatch: ${r.options.contacts} contacts, concurrency limit ${r.options.concurrency}, pacing ` +
    `${r.options.pacingPerMinute}/min, instantly answered dials (bench double), one worker process`,
);
console.log(
  `  on ${os.cpus().length} cores shared with the Temporal dev server (SQLite), Postgres and this process`,
);
console.log(table([['figure', 'value'], ...rows]));
console.log(stagesTable);
console.log(
  `  target dial starts >= ${TARGET_DIALS_PER_S}/s: ${json.dial_starts_per_s ?? '-'}/s ` +
    `${(json.dial_starts_per_s ?? 0) >= TARGET_DIALS_PER_S ? 'ok' : 'UNDER'}`,
);
console.log(`  every contact dialed exactly once: ${exactlyOnce ? 'yes' : 'NO'}`);
for (const failure of r.replayFailures) console.log(`  run does NOT replay: ${failure.slice(0, 300)}`);
console.log(`  history < 10,000 events per run: ${verdict(json.max_history_length, 9_999)}`);
console.log(`  set-up (s): ${JSON.stringify(r.setup)}, campaign create ${json.create_s} s`);
console.log(
  JSON.stringify({
    bench: 'campaign',
    ...json,
    exactly_once: exactlyOnce,
    target_dials_per_s: TARGET_DIALS_PER_S,
  }),
);
