import { afterEach, describe, expect, it } from 'vitest';
import { createDeepgramStt } from '../../../src/providers/deepgram/stt.ts';
import type { SttStream } from '../../../src/providers/ports.ts';
import { silence, speechLike } from '../../../src/sim/audio.ts';
import { type SimDeepgram, startSimDeepgram } from '../../../src/sim/deepgram/server.ts';
import { EventLog, logger, sendFrames, sttOptions } from './helpers.ts';

describe('deepgram live STT: Finalize and CloseStream', () => {
  let sim: SimDeepgram | undefined;
  let stream: SttStream | undefined;

  afterEach(async () => {
    await stream?.close();
    await sim?.close();
    stream = undefined;
    sim = undefined;
  });

  it('finalize() flushes the words heard so far as a final before any endpoint', async () => {
    sim = await startSimDeepgram({ logger, transcripts: ['please transfer me to billing now'] });
    const stt = createDeepgramStt({ apiKey: 'k', baseUrl: sim.baseUrl, logger });
    const log = new EventLog();
    stream = await stt.open({ ...sttOptions, endpointingMs: 5000 }, log.push);

    // Speech with no trailing silence: endpointing cannot fire, only Finalize can produce a final.
    sendFrames(stream, speechLike('please transfer me to billing now'));
    stream.finalize();
    const final = await log.waitFor((e) => e.type === 'transcript' && e.isFinal);

    expect(final).toMatchObject({ type: 'transcript', isFinal: true, speechFinal: false });
    expect(final.type === 'transcript' && final.text).toBe('please transfer me to billing now');
    expect(sim.stats.finalizes).toBe(1);
  });

  it('close() sends CloseStream, receives the flushed final, then reports a clean close', async () => {
    sim = await startSimDeepgram({ logger, transcripts: ['goodbye for now'] });
    const stt = createDeepgramStt({ apiKey: 'k', baseUrl: sim.baseUrl, logger });
    const log = new EventLog();
    const s = await stt.open({ ...sttOptions, endpointingMs: 5000 }, log.push);

    sendFrames(s, speechLike('goodbye for now'));
    sendFrames(s, silence(100));
    await s.close();

    expect(sim.stats.closeStreams).toBe(1);
    const finals = log.transcripts().filter((t) => t.isFinal);
    expect(finals.map((t) => t.text)).toEqual(['goodbye for now']);
    const closed = log.events.filter((e) => e.type === 'closed');
    expect(closed).toEqual([{ type: 'closed', code: 1000, reason: '' }]);
    expect(log.events.at(-1)?.type).toBe('closed');
    // Audio after close is dropped, and closing twice is harmless.
    s.sendAudio(silence(20));
    await s.close();
    expect(log.events.filter((e) => e.type === 'closed')).toHaveLength(1);
  });
});
