import { afterEach, describe, expect, it } from 'vitest';
import { createDeepgramStt } from '../../../src/providers/deepgram/stt.ts';
import type { SttStream } from '../../../src/providers/ports.ts';
import { silence } from '../../../src/sim/audio.ts';
import { type SimDeepgram, startSimDeepgram } from '../../../src/sim/deepgram/server.ts';
import { EventLog, logger, sendFrames, sendUtterance, sleep, sttOptions } from './helpers.ts';

describe('deepgram live STT against the simulated service', () => {
  let sim: SimDeepgram | undefined;
  let stream: SttStream | undefined;

  afterEach(async () => {
    await stream?.close();
    await sim?.close();
    stream = undefined;
    sim = undefined;
  });

  it('turns scripted speech into SpeechStarted, interims, a speech-final and UtteranceEnd, in order', async () => {
    sim = await startSimDeepgram({ logger, apiKey: 'k', transcripts: ['book a table for two please'] });
    const stt = createDeepgramStt({ apiKey: 'k', baseUrl: sim.baseUrl, logger });
    const log = new EventLog();
    stream = await stt.open(sttOptions, log.push);

    sendUtterance(stream, 'book a table for two please', 1500);
    await log.waitFor((e) => e.type === 'utterance-end');

    const kinds = log.events.map((e) =>
      e.type === 'transcript' ? (e.speechFinal ? 'final' : e.isFinal ? 'final-segment' : 'interim') : e.type,
    );
    const firstFinal = kinds.indexOf('final');
    expect(kinds[0]).toBe('speech-started');
    expect(kinds.slice(1, firstFinal).length).toBeGreaterThan(0);
    expect(kinds.slice(1, firstFinal).every((k) => k === 'interim')).toBe(true);
    expect(kinds.slice(firstFinal)).toEqual(['final', 'utterance-end']);

    const transcripts = log.transcripts();
    const final = transcripts.find((t) => t.speechFinal);
    expect(final).toMatchObject({ text: 'book a table for two please', isFinal: true, speechFinal: true });
    expect(final?.confidence).toBeGreaterThan(0);
    expect(final?.durationMs).toBeGreaterThan(0);
    // Interim text grows word by word and is a prefix of the final.
    const interims = transcripts.filter((t) => !t.isFinal).map((t) => t.text);
    for (const text of interims) expect('book a table for two please'.startsWith(text)).toBe(true);
    expect(interims[0]?.length).toBeLessThan(final?.text.length ?? 0);
    expect(sim.stats.lastListenQuery).toMatchObject({
      model: 'nova-3',
      language: 'en-US',
      encoding: 'mulaw',
      sample_rate: '8000',
      channels: '1',
      interim_results: 'true',
      endpointing: '200',
      utterance_end_ms: '1000',
      vad_events: 'true',
      smart_format: 'true',
      punctuate: 'true',
    });
  });

  it('gives each utterance the next scripted text, then the fallback', async () => {
    sim = await startSimDeepgram({ logger, transcripts: ['yes'], fallbackText: '[unscripted speech]' });
    const stt = createDeepgramStt({ apiKey: 'any', baseUrl: sim.baseUrl, logger });
    const log = new EventLog();
    stream = await stt.open(sttOptions, log.push);

    sendUtterance(stream, 'yes', 1200);
    sendUtterance(stream, 'something else entirely', 1200);
    await log.waitFor((e) => e.type === 'transcript' && e.text === '[unscripted speech]' && e.speechFinal);

    const finals = log
      .transcripts()
      .filter((t) => t.speechFinal)
      .map((t) => t.text);
    expect(finals).toEqual(['yes', '[unscripted speech]']);
    expect(log.events.filter((e) => e.type === 'utterance-end')).toHaveLength(2);
  });

  it('reports no transcripts for silence only', async () => {
    sim = await startSimDeepgram({ logger, transcripts: ['should never be heard'] });
    const stt = createDeepgramStt({ apiKey: 'k', baseUrl: sim.baseUrl, logger });
    const log = new EventLog();
    stream = await stt.open(sttOptions, log.push);

    sendFrames(stream, silence(3000));
    // Wait until the sim has consumed every frame, then give any stray message time to arrive.
    const deadline = Date.now() + 10_000;
    while (sim.stats.audioBytes < silence(3000).length && Date.now() < deadline) await sleep(20);
    await sleep(200);

    expect(sim.stats.audioBytes).toBe(silence(3000).length);
    expect(log.events).toEqual([]);
  });
});
