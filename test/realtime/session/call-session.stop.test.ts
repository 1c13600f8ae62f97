import { describe, expect, it } from 'vitest';
import type { ToolOutcome } from '../../../src/realtime/session/types.ts';
import { createHarness, deferred, done, flush, startAndGreet, text, toolCall } from './fakes.ts';

describe('call session: stop', () => {
  it('while speaking: aborts LLM and TTS, closes STT, clears every timer, records the partial turn', async () => {
    const h = createHarness();
    await startAndGreet(h);
    const never = deferred();
    h.llm.scripts.push([text('Here is a long answer. '), { wait: never.promise }, done()]);
    h.stt.say('Tell me everything');
    await h.advance(100);
    expect(h.session.state).toBe('speaking');
    await h.session.stop('caller-hung-up');
    expect(h.session.state).toBe('ended');
    expect(h.llm.lastSignal.aborted).toBe(true);
    expect(h.tts.requests.slice(1).every((r) => r.signal?.aborted)).toBe(true); // [0] is the finished greeting
    expect(h.stt.current.closed).toBe(true);
    expect(h.pending()).toBe(0);
    expect(h.ends).toEqual([]); // the transport ended it; onEnd is for the session's own decisions
    expect(h.assistantTurns().at(-1)).toMatchObject({
      generatedText: 'Here is a long answer.',
      heardText: 'Here is a', // 100 of 200 ms played: the first half, whole words only
      interrupted: true,
    });
    // Idempotent, and nothing reacts afterwards.
    await h.session.stop('again');
    h.session.onDtmf('1');
    h.session.onAudio(new Uint8Array(160));
    await h.advance(60_000);
    expect(h.pending()).toBe(0);
    expect(h.llm.requests).toHaveLength(1);
  });

  it('while a tool runs: aborts the tool and resolves even if the tool never does', async () => {
    const h = createHarness();
    await startAndGreet(h);
    h.tools.results.set('lookup', new Promise<ToolOutcome>(() => undefined));
    h.llm.scripts.push([toolCall('lookup'), done()]);
    h.stt.say('Check my order');
    await h.advance(2000); // the filler is playing
    await h.session.stop('caller-hung-up');
    expect(h.tools.calls[0]?.signal.aborted).toBe(true);
    expect(h.pending()).toBe(0);
  });

  it('before STT has opened: closes the stream once it opens and never greets', async () => {
    const h = createHarness();
    const starting = h.session.start();
    await h.session.stop('caller-hung-up');
    await starting;
    await flush();
    expect(h.stt.current.closed).toBe(true);
    expect(h.tts.requests).toHaveLength(0);
    expect(h.pending()).toBe(0);
  });

  it('reports the state changes it went through', async () => {
    const h = createHarness();
    await startAndGreet(h);
    h.stt.say('Hi');
    await h.playAll();
    await h.session.stop('test');
    expect(h.states).toEqual(['greeting', 'listening', 'thinking', 'speaking', 'listening', 'ended']);
  });
});
