/**
 * A load-generator process of `bench:concurrency`: it places its share of the simulated calls
 * (src/sim/twilio/caller.ts) against the realtime node and times every agent frame as it
 * arrives. Several of these run side by side so that one saturated load-generator event loop
 * cannot pass for a slow node. Started by caller-pool.ts with `node --import tsx` and IPC.
 *
 * IPC: parent sends {type:'run', ...}; answers {type:'result', calls, arrivals, loopP99Ms}.
 * Exits on {type:'stop'} or when the parent goes away.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { type CallerScriptStep, placeSimCall } from '../../../src/sim/twilio/caller.ts';
import { benchLogger } from '../platform.ts';
import { arrivals, recordAgentFrameArrivals } from './frames.ts';

export interface CallerRun {
  type: 'run';
  voiceUrl: string;
  accountSid: string;
  authToken: string;
  script: CallerScriptStep[];
  /** The calls this process places, each started `startAtMs` after the run message. */
  calls: { callSid: string; from: string; startAtMs: number }[];
  stepTimeoutMs: number;
  /** Hang up whatever is still running after this long. */
  deadlineMs: number;
}

export interface CallerOutcome {
  callSid: string;
  /** Rejection message, if the simulated call failed. */
  error?: string;
  /** The agent answered the caller's utterance (its voice-to-voice latency was measured). */
  replied: boolean;
  durationMs: number;
}

export type CallerChildMessage =
  | { type: 'ready' }
  | { type: 'result'; calls: CallerOutcome[]; arrivals: [string, number[]][]; loopP99Ms: number };
export type CallerParentMessage = CallerRun | { type: 'stop' };

const LOOP_SAMPLE_MS = 5;
const logger = benchLogger();
const send = (m: CallerChildMessage) => process.send?.(m);

recordAgentFrameArrivals();
process.on('disconnect', () => process.exit(0));
process.on('message', (m: CallerParentMessage) => {
  if (m.type === 'stop') process.exit(0);
  else void run(m).then((result) => send(result));
});
send({ type: 'ready' });

async function run(r: CallerRun): Promise<CallerChildMessage> {
  arrivals.clear();
  const loop = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS });
  loop.enable();
  const outcomes = await Promise.all(
    r.calls.map(async (c): Promise<CallerOutcome> => {
      await new Promise((resolve) => setTimeout(resolve, c.startAtMs));
      const placedAt = performance.now();
      const call = placeSimCall({
        voiceUrl: r.voiceUrl,
        accountSid: r.accountSid,
        authToken: r.authToken,
        from: c.from,
        to: '+14155550100',
        callSid: c.callSid,
        script: r.script,
        logger,
        stepTimeoutMs: r.stepTimeoutMs,
      });
      const deadline = setTimeout(() => call.hangUp(), r.deadlineMs);
      let error: string | undefined;
      try {
        await call.done;
      } catch (err) {
        error = (err as Error).message;
      } finally {
        clearTimeout(deadline);
      }
      const replied = call.timeline.said[0]?.latencyMs !== undefined;
      return { callSid: c.callSid, error, replied, durationMs: performance.now() - placedAt };
    }),
  );
  loop.disable();
  return {
    type: 'result',
    calls: outcomes,
    arrivals: [...arrivals.entries()],
    loopP99Ms: Math.max(0, loop.percentile(99) / 1e6 - LOOP_SAMPLE_MS),
  };
}
