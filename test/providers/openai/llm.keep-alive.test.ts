import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.ts';
import { createOpenAiLlm } from '../../../src/providers/openai/llm.ts';
import { StreamWatchdog } from '../../../src/providers/openai/watchdog.ts';
import type { LlmDelta } from '../../../src/providers/ports.ts';
import { type OpenAiSim, startOpenAiSim } from '../../../src/sim/openai/server.ts';

const logger = createLogger('silent');
let sim: OpenAiSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function drain(stream: AsyncIterable<LlmDelta>): Promise<LlmDelta[]> {
  const out: LlmDelta[] = [];
  for await (const delta of stream) out.push(delta);
  return out;
}

describe('openai llm: connection reuse', () => {
  it('sends consecutive turns over one kept-alive connection', async () => {
    sim = await startOpenAiSim({ script: () => ({ text: 'Okay, noted.' }) });
    const llm = createOpenAiLlm({ apiKey: sim.apiKey, baseUrl: sim.url, model: 'sim', logger });
    for (let i = 0; i < 3; i++) {
      const deltas = await drain(llm.stream({ messages: [{ role: 'user', content: `turn ${i}` }] }));
      expect(deltas.at(-1)).toMatchObject({ type: 'done', finishReason: 'stop' });
      // Turns are seconds apart on a call; a short gap lets the socket return to the pool.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(sim.requests.map((r) => r.completed)).toEqual([true, true, true]);
    expect(sim.requests.map((r) => r.clientClosedEarly)).toEqual([false, false, false]);
    // A finished stream is not aborted afterwards, so its connection goes back to the pool.
    expect(new Set(sim.requests.map((r) => r.remotePort)).size).toBe(1);
  });
});

describe('stream watchdog', () => {
  it('leaves a response that was read to its end alone on dispose', () => {
    const watchdog = new StreamWatchdog(1000, undefined);
    watchdog.complete();
    watchdog.dispose();
    expect(watchdog.signal.aborted).toBe(false);
  });

  it('aborts a response that was not read to its end on dispose', () => {
    const watchdog = new StreamWatchdog(1000, undefined);
    watchdog.arm();
    watchdog.dispose();
    expect(watchdog.signal.aborted).toBe(true);
    expect(watchdog.timedOut).toBe(false);
  });
});
