import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../../src/domain/errors.ts';
import { createDeepgramStt } from '../../../src/providers/deepgram/stt.ts';
import type { SttStream } from '../../../src/providers/ports.ts';
import { silence } from '../../../src/sim/audio.ts';
import { type SimDeepgram, startSimDeepgram } from '../../../src/sim/deepgram/server.ts';
import { EventLog, logger, sendFrames, sleep, sttOptions } from './helpers.ts';

describe('deepgram live STT when the service drops the socket', () => {
  let sim: SimDeepgram | undefined;
  let stream: SttStream | undefined;

  afterEach(async () => {
    await stream?.close();
    await sim?.close();
    stream = undefined;
    sim = undefined;
  });

  it('reports exactly one closed event carrying a retryable error, and no reconnect', async () => {
    sim = await startSimDeepgram({ logger, faults: { dropAfterFrames: 10 } });
    const stt = createDeepgramStt({ apiKey: 'k', baseUrl: sim.baseUrl, logger });
    const log = new EventLog();
    stream = await stt.open(sttOptions, log.push);

    sendFrames(stream, silence(400));
    const closed = await log.waitFor((e) => e.type === 'closed');
    // Leave room for a duplicate close or an SDK reconnect to show up.
    await sleep(500);

    expect(log.events.filter((e) => e.type === 'closed')).toHaveLength(1);
    const error = closed.type === 'closed' ? closed.error : undefined;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: 'unavailable', retryable: true });
    expect(sim.stats.drops).toBe(1);
    expect(sim.stats.listenConnections).toBe(1);
    // After the drop, the stream is inert and close() resolves at once.
    stream.sendAudio(silence(20));
    await stream.close();
    expect(log.events.filter((e) => e.type === 'closed')).toHaveLength(1);
  });

  it('also reports a drop on a timer while the caller is silent', async () => {
    sim = await startSimDeepgram({ logger, faults: { dropAfterMs: 200 } });
    const stt = createDeepgramStt({ apiKey: 'k', baseUrl: sim.baseUrl, logger });
    const log = new EventLog();
    stream = await stt.open(sttOptions, log.push);

    const closed = await log.waitFor((e) => e.type === 'closed');
    await sleep(300);

    expect(closed.type === 'closed' && closed.error).toBeInstanceOf(ProviderError);
    expect(log.events.filter((e) => e.type === 'closed')).toHaveLength(1);
  });
});
