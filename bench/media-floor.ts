import os from 'node:os';
import { parseArgs } from 'node:util';
import { WebSocket, WebSocketServer } from 'ws';
import { forkNode, nodeNiceness } from './lib/child-node.ts';
import { Cleanup } from './lib/cleanup.ts';
import { round1, table } from './lib/stats.ts';

/**
 * `npm run bench:media-floor`: the least CPU a Node realtime node can spend per call on this
 * machine, to read bench:concurrency's figures against. The process under test
 * (bench/lib/media-floor/relay-process.ts, a child at the same raised priority as the node in
 * bench:concurrency) does only the wire work every call needs: Twilio media frames in (JSON,
 * base64) forwarded to an STT socket, and one Twilio media frame out every 20 ms. This process
 * plays the callers (one frame every 20 ms each, on one shared timer) and the STT sink.
 *
 * Each step measures the relay's CPU (process.cpuUsage, all threads) over a window with audio
 * only coming in, then over a window with audio also going out. CPU per frame is that CPU over the
 * frames actually carried, so a load generator that falls behind does not flatter the figure.
 * Flags: --steps 50,200 (calls), --window S (8), --stt-batch N (3: frames per STT message; the
 * realtime node sends about 20 STT messages per call-second), --together (all callers' frames on
 * one tick: arrivals bunch up and the relay reads many sockets per wake-up, which real calls do not).
 */
const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '50,200' },
    window: { type: 'string', default: '8' },
    'stt-batch': { type: 'string', default: '3' },
    together: { type: 'boolean', default: false },
  },
});
const steps = values.steps.split(',').map(Number);
const windowS = Number(values.window);
const FRAMES_PER_S = 50;

interface RelayFigures {
  id: number;
  cpuUs: number;
  calls: number;
  framesIn: number;
  framesOut: number;
}
/** Every question turns outbound audio on or off and answers with the relay's counters. */
type RelayAnswer = (RelayFigures & { type: 'out-on' }) | (RelayFigures & { type: 'out-off' });

const cleanup = new Cleanup();
cleanup.onSignals();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Window {
  cpuMs: number;
  framesIn: number;
  framesOut: number;
  seconds: number;
}

try {
  const sink = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  cleanup.add('stt sink', () => new Promise((r) => sink.close(() => r(undefined))));
  await new Promise((r) => sink.once('listening', r));
  sink.on('connection', (s) => s.on('message', () => {}));
  const sinkUrl = `ws://127.0.0.1:${(sink.address() as { port: number }).port}`;
  const relay = await forkNode<RelayAnswer>(
    new URL('./lib/media-floor/relay-process.ts', import.meta.url).pathname,
    { FLOOR_STT_URL: sinkUrl, FLOOR_STT_BATCH: values['stt-batch'] },
    cleanup,
    { name: 'media relay process' },
  );

  const measure = async (type: 'out-on' | 'out-off'): Promise<Window> => {
    await relay.ask(type);
    await sleep(1_000);
    const a = await relay.ask(type);
    const t0 = performance.now();
    await sleep(windowS * 1_000);
    const b = await relay.ask(type);
    return {
      cpuMs: (b.cpuUs - a.cpuUs) / 1000,
      framesIn: b.framesIn - a.framesIn,
      framesOut: b.framesOut - a.framesOut,
      seconds: (performance.now() - t0) / 1000,
    };
  };

  const rows: Record<string, number | null>[] = [];
  for (const calls of steps) {
    process.stderr.write(`step: ${calls} calls...\n`);
    const sockets = await Promise.all(
      Array.from({ length: calls }, async (_, i) => {
        const ws = new WebSocket(relay.voiceUrl);
        await new Promise((r, j) => ws.once('open', r).once('error', j));
        const streamSid = `MZfloor${i}`;
        ws.send(JSON.stringify({ event: 'start', start: { streamSid, callSid: `CAfloor${i}` } }));
        return { ws, streamSid, seq: 0 };
      }),
    );
    const payload = Buffer.alloc(160, 0xff).toString('base64');
    const sendFrame = (s: (typeof sockets)[number]) => {
      s.seq++;
      s.ws.send(
        `{"event":"media","sequenceNumber":"${s.seq}","media":{"track":"inbound","chunk":"${s.seq}","timestamp":"${s.seq * 20}","payload":"${payload}"},"streamSid":"${s.streamSid}"}`,
      );
    };
    // Real callers' frames arrive independently: each caller has its own 20 ms timer, their phases
    // spread over the period (--together sends every caller's frame on one tick instead).
    const periodMs = 1000 / FRAMES_PER_S;
    const timers: NodeJS.Timeout[] = [];
    if (values.together) timers.push(setInterval(() => sockets.forEach(sendFrame), periodMs));
    else
      sockets.forEach((s, i) => {
        timers.push(
          setTimeout(() => timers.push(setInterval(() => sendFrame(s), periodMs)), (i * periodMs) / calls),
        );
      });
    const stopFeed = () => {
      for (const t of timers) clearInterval(t);
    };
    const inOnly = await measure('out-off');
    const both = await measure('out-on');
    stopFeed();
    for (const s of sockets) s.ws.close();
    await relay.ask('out-off');
    await sleep(500);

    const usPerIn = (inOnly.cpuMs * 1000) / Math.max(1, inOnly.framesIn);
    // The outbound share: what the second window cost beyond its inbound frames. At small loads the
    // two windows' noise can exceed it (outbound frames ride wake-ups inbound frames pay for): 0 then.
    const usPerOut = Math.max(0, (both.cpuMs * 1000 - usPerIn * both.framesIn) / Math.max(1, both.framesOut));
    const msPerCallSecondTalking = (FRAMES_PER_S * (usPerIn + usPerOut)) / 1000;
    rows.push({
      calls,
      in_frames_per_call_s: round1(inOnly.framesIn / calls / inOnly.seconds),
      out_frames_per_call_s: round1(both.framesOut / calls / both.seconds),
      us_per_in_frame: round1(usPerIn),
      us_per_out_frame: round1(usPerOut),
      ms_per_call_s_listening: round1((FRAMES_PER_S * usPerIn) / 1000),
      ms_per_call_s_both_ways: round1(msPerCallSecondTalking),
      calls_per_core_both_ways: Math.floor(1000 / msPerCallSecondTalking),
      relay_cpu_pct: round1((both.cpuMs / (both.seconds * 1000)) * 100),
    });
  }

  console.log(
    `media floor: the wire work alone (Twilio JSON/base64 in -> STT socket, 20 ms frames out), one Node process ` +
      `at niceness ${nodeNiceness()}, ${os.cpus().length} cores shared with this load generator`,
  );
  console.log(
    table([
      [
        'calls',
        'in frames/call-s',
        'out frames/call-s',
        'µs/in frame',
        'µs/out frame',
        'CPU ms/call-s (caller audio only)',
        'CPU ms/call-s (audio both ways)',
        'calls/core (both ways)',
      ],
      ...rows.map((r) => [
        String(r.calls),
        String(r.in_frames_per_call_s),
        String(r.out_frames_per_call_s),
        String(r.us_per_in_frame),
        String(r.us_per_out_frame),
        String(r.ms_per_call_s_listening),
        String(r.ms_per_call_s_both_ways),
        String(r.calls_per_core_both_ways),
      ]),
    ]),
  );
  console.log(
    '  a realtime node carries at most about this many calls per core on this machine; bench:concurrency reports the real node against it',
  );
  console.log(
    JSON.stringify({
      bench: 'media-floor',
      stt_batch: Number(values['stt-batch']),
      window_s: windowS,
      callers_together: values.together,
      steps: rows,
    }),
  );
} finally {
  await cleanup.run();
}
