import { afterEach, describe, expect, it } from 'vitest';
import { createDeepgramStt } from '../../../src/providers/deepgram/stt.ts';
import type { SttStream } from '../../../src/providers/ports.ts';
import { type SimDeepgram, startSimDeepgram } from '../../../src/sim/deepgram/server.ts';
import { EventLog, logger, sleep, sttOptions } from './helpers.ts';

/** The sim closes a stream after this much silence on the wire, like Deepgram's 10 s NET-0001. */
const IDLE_TIMEOUT_MS = 800;

describe('deepgram live STT keeps an idle stream alive', () => {
  let sim: SimDeepgram | undefined;
  let stream: SttStream | undefined;

  afterEach(async () => {
    await stream?.close();
    await sim?.close();
    stream = undefined;
    sim = undefined;
  });

  it('sends KeepAlive while no audio flows, so the stream outlives the idle timeout', async () => {
    sim = await startSimDeepgram({ logger, idleTimeoutMs: IDLE_TIMEOUT_MS });
    const stt = createDeepgramStt({ apiKey: 'k', baseUrl: sim.baseUrl, logger, keepAliveIntervalMs: 100 });
    const log = new EventLog();
    stream = await stt.open(sttOptions, log.push);

    await sleep(IDLE_TIMEOUT_MS * 4);

    expect(sim.stats.keepAlives).toBeGreaterThan(2);
    expect(sim.stats.idleCloses).toBe(0);
    expect(log.events.filter((e) => e.type === 'closed')).toEqual([]);
  });

  it('without KeepAlive the idle stream is closed by the service and reported once, with an error', async () => {
    sim = await startSimDeepgram({ logger, idleTimeoutMs: IDLE_TIMEOUT_MS });
    // An interval far beyond the test: no KeepAlive is ever due.
    const stt = createDeepgramStt({
      apiKey: 'k',
      baseUrl: sim.baseUrl,
      logger,
      keepAliveIntervalMs: 600_000,
    });
    const log = new EventLog();
    stream = await stt.open(sttOptions, log.push);

    const closed = await log.waitFor((e) => e.type === 'closed');

    expect(closed).toMatchObject({ type: 'closed', code: 1011 });
    expect(closed.type === 'closed' && closed.reason).toContain('NET-0001');
    expect(closed.type === 'closed' && closed.error).toMatchObject({
      name: 'ProviderError',
      kind: 'unavailable',
    });
    expect(sim.stats.idleCloses).toBe(1);
  });
});
