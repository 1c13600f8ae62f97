import { fmtMs, round1, summarize, table } from '../stats.ts';
import type { DialStages } from './dial-stages.ts';
import type { CampaignBenchResult } from './run.ts';

/** Dials started per second between the first and the last child start. */
export function dialStartRate(startsMs: readonly number[]): number {
  const first = startsMs[0];
  const last = startsMs.at(-1);
  if (first === undefined || last === undefined || last <= first) return Number.NaN;
  return ((startsMs.length - 1) / (last - first)) * 1000;
}

/** Most dial starts within any one-second window (a sliding window over the start times). */
export function peakStartsPerSecond(startsMs: readonly number[]): number {
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < startsMs.length; hi++) {
    while ((startsMs[hi] as number) - (startsMs[lo] as number) >= 1000) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

export const mb = (bytes: number) => bytes / 2 ** 20;

/** A stretch this long without a dial start is a stall (a run boundary, an eviction's replay). */
export const STALL_MS = 1000;

/**
 * Stretches of at least `minMs` between consecutive dial starts (sorted): how many, their total,
 * and the dial start rate over the rest of the campaign. Separates what run boundaries cost from
 * the pace of dispatch between them.
 */
export function stalls(
  sortedStartsMs: readonly number[],
  minMs = STALL_MS,
): { count: number; stalledMs: number; ratePerSOutside: number } {
  let count = 0;
  let stalledMs = 0;
  for (let i = 1; i < sortedStartsMs.length; i++) {
    const gap = (sortedStartsMs[i] as number) - (sortedStartsMs[i - 1] as number);
    if (gap >= minMs) {
      count++;
      stalledMs += gap;
    }
  }
  const spanMs = (sortedStartsMs.at(-1) ?? 0) - (sortedStartsMs[0] ?? 0);
  const activeMs = spanMs - stalledMs;
  const ratePerSOutside = activeMs > 0 ? ((sortedStartsMs.length - 1) / activeMs) * 1000 : Number.NaN;
  return { count, stalledMs, ratePerSOutside };
}

/**
 * Longest time without a dial start between the first and the last (sorted child start times):
 * a campaign that stops dialing at a run boundary shows it here.
 */
function longestGap(sortedStartsMs: number[]): number {
  let gap = 0;
  for (let i = 1; i < sortedStartsMs.length; i++)
    gap = Math.max(gap, (sortedStartsMs[i] ?? 0) - (sortedStartsMs[i - 1] ?? 0));
  return gap;
}

/** The figures both campaign benchmarks print, as table rows and JSON fields. */
export function commonFigures(r: CampaignBenchResult) {
  const lat = summarize(r.dials.latenciesMs);
  const rate = dialStartRate(r.dials.startsMs);
  const peak = peakStartsPerSecond(r.dials.startsMs);
  const gapMs = longestGap(r.dials.startsMs);
  const stalled = stalls(r.dials.startsMs);
  const rssMax = Math.max(...r.rss.map((s) => s.rss));
  const maxHistory = Math.max(...r.runHistoryLengths);
  const contactsPerS = (r.options.contacts / r.wallMs) * 1000;
  const rows: string[][] = [
    ['contacts', String(r.options.contacts)],
    ['campaign wall time (s)', fmtMs(r.wallMs / 1000)],
    ['contacts/s (start -> result)', fmtMs(contactsPerS)],
    ['dial starts/s (first -> last child start)', fmtMs(rate)],
    ['dial starts/s, best 1-s window', String(peak)],
    ['longest gap between two dial starts (s)', fmtMs(gapMs / 1000)],
    [
      `stalls (>= ${STALL_MS / 1000} s without a dial start): count / total s`,
      `${stalled.count} / ${fmtMs(stalled.stalledMs / 1000)}`,
    ],
    ['dial starts/s outside stalls', fmtMs(stalled.ratePerSOutside)],
    ['dial start -> outcome written p50 (ms)', fmtMs(lat.p50)],
    ['dial start -> outcome written p99 (ms)', fmtMs(lat.p99)],
    ['dial start -> outcome written max (ms)', fmtMs(lat.max)],
    ['in flight reached (max, child start -> outcome written)', String(r.dials.maxInFlight)],
    ['live dials reached (max, child start -> dialer closed it)', String(r.dials.maxLive)],
    [
      'dialed exactly once / twice+ / never',
      `${r.dials.dialedOnce} / ${r.dials.dialedTwiceOrMore} / ${r.dials.notDialed}`,
    ],
    ['workflow runs (continue-as-new + 1)', String(r.runHistoryLengths.length)],
    ['max history length of a run (events)', String(maxHistory)],
    [
      'runs that replay (determinism)',
      `${r.runHistoryLengths.length - r.replayFailures.length} / ${r.runHistoryLengths.length}`,
    ],
    ['replay of one run, max (ms; what an eviction of the campaign costs)', fmtMs(Math.max(...r.replayMs))],
    ['worker CPU (cores, over the campaign)', r.workerCpuCores.toFixed(2)],
    ['Temporal dev server CPU (cores)', r.temporalCpuCores.toFixed(2)],
    ['worker RSS max (MB)', fmtMs(mb(rssMax), 0)],
  ];
  const json = {
    contacts: r.options.contacts,
    concurrency: r.options.concurrency,
    pacing_per_minute: r.options.pacingPerMinute,
    dials_per_run: r.options.dialsPerRun ?? null,
    wall_s: round1(r.wallMs / 1000),
    create_s: round1(r.createMs / 1000),
    contacts_per_s: round1(contactsPerS),
    dial_starts_per_s: round1(rate),
    dial_starts_peak_1s: peak,
    longest_start_gap_s: round1(gapMs / 1000),
    stalls: stalled.count,
    stalled_s: round1(stalled.stalledMs / 1000),
    dial_starts_per_s_outside_stalls: round1(stalled.ratePerSOutside),
    outcome_latency_p50_ms: round1(lat.p50),
    outcome_latency_p99_ms: round1(lat.p99),
    outcome_latency_max_ms: round1(lat.max),
    in_flight_max: r.dials.maxInFlight,
    live_max: r.dials.maxLive,
    dials: r.dials.dials,
    dialed_once: r.dials.dialedOnce,
    dialed_twice_or_more: r.dials.dialedTwiceOrMore,
    not_dialed: r.dials.notDialed,
    runs: r.runHistoryLengths.length,
    max_history_length: maxHistory,
    replay_failures: r.replayFailures.length,
    replay_ms_max: Math.round(Math.max(...r.replayMs)),
    worker_cpu_cores: Number(r.workerCpuCores.toFixed(2)),
    temporal_cpu_cores: Number(r.temporalCpuCores.toFixed(2)),
    worker_rss_max_mb: round1(mb(rssMax)),
    status: r.result.status,
  };
  const stageNames: Record<string, string> = {
    firstTaskDispatch: 'child started -> first workflow task started',
    localWork: 'first workflow task started -> child closed (claim, dial, outcome)',
    outcomeAfterClose: 'child closed -> campaign wrote the outcome',
    parentNotified: '  of which: child closed -> completion in campaign history',
    outcomeAfterNotified: '  of which: completion in campaign history -> outcome written',
  };
  const stage = (k: string) => summarize(r.stages.map((x) => x[k as keyof DialStages]));
  const stagesTable = table([
    ['sampled dial stage (ms, server event times)', 'n', 'p50', 'p90', 'max'],
    ...Object.entries(stageNames).map(([k, name]) => {
      const s = stage(k);
      return [name, String(s.n), fmtMs(s.p50), fmtMs(s.p90), fmtMs(s.max)];
    }),
  ]);
  const dispatch = summarize(r.parent.taskDispatchMs);
  const parentLine =
    `  campaign workflow tasks (first ${Math.min(20, r.runHistoryLengths.length)} runs): ${dispatch.n} tasks, ` +
    `scheduled -> started p50 ${fmtMs(dispatch.p50)} ms, p99 ${fmtMs(dispatch.p99)} ms, max ${fmtMs(dispatch.max)} ms; ` +
    `timed out ${r.parent.taskTimeouts}, failed ${r.parent.taskFailures}` +
    (r.parent.taskFailures > 0 ? ` ${JSON.stringify(r.parent.taskFailureCauses)}` : '');
  const stagesP50 = Object.fromEntries(Object.keys(stageNames).map((k) => [k, round1(stage(k).p50)]));
  return {
    rows,
    json: {
      ...json,
      stages_p50_ms: stagesP50,
      campaign_task_dispatch_p99_ms: round1(dispatch.p99),
      campaign_task_timeouts: r.parent.taskTimeouts,
      campaign_task_failures: r.parent.taskFailures,
    },
    stagesTable: `${stagesTable}\n${parentLine}`,
    exactlyOnce: r.dials.dialedOnce === r.options.contacts && r.dials.dials === r.options.contacts,
  };
}
