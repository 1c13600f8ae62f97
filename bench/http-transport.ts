import { parseArgs } from 'node:util';
import { createLogger } from '../src/logger.ts';
import { createElevenLabsTts } from '../src/providers/elevenlabs/tts.ts';
import { createNodeFetch } from '../src/providers/http/node-fetch.ts';
import { createOpenAiLlm } from '../src/providers/openai/llm.ts';
import type { LanguageModel, TextToSpeech } from '../src/providers/ports.ts';
import { Cleanup } from './lib/cleanup.ts';
import { fmtMs, summarize, table } from './lib/stats.ts';
import { startVoiceSimsProcess } from './lib/voice-sims-process.ts';

/**
 * `npm run bench:http-transport`: what the HTTP transport under the vendor SDKs adds to a turn.
 * The real LLM and TTS adapters (official OpenAI and ElevenLabs SDKs) run here, once on Node's
 * built-in fetch and once on src/providers/http/node-fetch.ts, taking turns request by request so
 * both see the same machine; the simulated vendors run in a process of their own, as in
 * bench:turn. One request every --gap-ms, as on a quiet call, where each request meets a process
 * that has been asleep.
 *
 * Per request: from the adapter call to its first text delta / audio chunk, minus the simulated
 * vendor's own time (request arrival -> first token / byte written). What is left is the
 * client's side: the adapter, the SDK, the transport, loopback and the wake-ups.
 *
 * Flags: --requests 200 (per transport and kind)  --gap-ms 200  --delay-ms 20 (injected first
 * token / first byte delay)
 */
const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '200' },
    'gap-ms': { type: 'string', default: '200' },
    'delay-ms': { type: 'string', default: '20' },
  },
});
const requests = Number(values.requests);
const gapMs = Number(values['gap-ms']);
const delayMs = Number(values['delay-ms']);
/** The first rounds warm up the JIT and the connections; they are not counted. */
const WARM_UP = 20;

const logger = createLogger('silent');
const cleanup = new Cleanup();
cleanup.onSignals();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Transport {
  name: string;
  llm: LanguageModel;
  tts: TextToSpeech;
  /** Per request: client time to the first delta / chunk, and the reply text (the sims' key). */
  llmSamples: { ms: number; text: string }[];
  ttsSamples: { ms: number; text: string }[];
}

try {
  const sims = await startVoiceSimsProcess(
    {
      llmFirstTokenDelayMs: delayMs,
      ttsFirstByteDelayMs: delayMs,
      heardText: 'unused',
      replyTemplate: 'Okay, noted {n}.',
    },
    cleanup,
  );
  const { openai, elevenlabs } = sims.endpoints;
  const transports: Transport[] = [
    { name: 'built-in fetch', fetch: undefined },
    { name: 'node:http (node-fetch.ts)', fetch: createNodeFetch() },
  ].map(({ name, fetch }) => ({
    name,
    llm: createOpenAiLlm({ ...openai, logger, ...(fetch ? { fetch } : {}) }),
    tts: createElevenLabsTts({ ...elevenlabs, logger, ...(fetch ? { fetch } : {}) }),
    llmSamples: [],
    ttsSamples: [],
  }));
  process.stderr.write(`${requests + WARM_UP} rounds per transport, one request every ${gapMs} ms...\n`);
  for (let round = 0; round < (requests + WARM_UP) * transports.length; round++) {
    const transport = transports[round % transports.length] as Transport;
    const counted = round >= WARM_UP * transports.length;
    await sleep(gapMs);
    let started = performance.now();
    let firstMs: number | undefined;
    let text = '';
    for await (const delta of transport.llm.stream({ messages: [{ role: 'user', content: 'Hello' }] })) {
      if (delta.type !== 'text') continue;
      firstMs ??= performance.now() - started;
      text += delta.text;
    }
    if (counted && firstMs !== undefined) transport.llmSamples.push({ ms: firstMs, text });
    await sleep(5);
    started = performance.now();
    for await (const _chunk of transport.tts.synthesize({ text, voiceId: 'sim-voice' })) {
      if (counted) transport.ttsSamples.push({ ms: performance.now() - started, text });
      break;
    }
  }
  const vendor = await sims.vendorTimes();
  const net = (samples: { ms: number; text: string }[], times: Map<string, number>) =>
    summarize(samples.flatMap(({ ms, text }) => (times.has(text) ? [ms - (times.get(text) as number)] : [])));
  const figures = transports.map((t) => ({
    name: t.name,
    llm: net(t.llmSamples, vendor.llm),
    tts: net(t.ttsSamples, vendor.tts),
  }));
  console.log(
    `client time to first token / first audio byte, minus the simulated vendor's own time (ms, ${requests} requests each, one per ${gapMs} ms, ${delayMs} ms injected)`,
  );
  console.log(
    table([
      ['transport', 'LLM p50', 'LLM p90', 'LLM p99', 'TTS p50', 'TTS p90', 'TTS p99', 'turn (LLM+TTS) p50'],
      ...figures.map((f) => [
        f.name,
        fmtMs(f.llm.p50, 2),
        fmtMs(f.llm.p90, 2),
        fmtMs(f.llm.p99, 2),
        fmtMs(f.tts.p50, 2),
        fmtMs(f.tts.p90, 2),
        fmtMs(f.tts.p99, 2),
        fmtMs(f.llm.p50 + f.tts.p50, 2),
      ]),
    ]),
  );
  console.log(
    JSON.stringify({
      bench: 'http-transport',
      requests,
      gap_ms: gapMs,
      injected_ms: delayMs,
      transports: figures.map((f) => ({
        name: f.name,
        llm_p50_ms: two(f.llm.p50),
        llm_p99_ms: two(f.llm.p99),
        tts_p50_ms: two(f.tts.p50),
        tts_p99_ms: two(f.tts.p99),
        samples: f.llm.n + f.tts.n,
      })),
    }),
  );
} finally {
  await cleanup.run();
}

/** Two decimals for the JSON line: these figures are fractions of a millisecond apart. */
function two(x: number): number | null {
  return Number.isFinite(x) ? Math.round(x * 100) / 100 : null;
}
