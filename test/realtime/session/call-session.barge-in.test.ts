import { describe, expect, it } from 'vitest';
import { createHarness, deferred, done, flush, startAndGreet, text } from './fakes.ts';

/** Greets, then starts a two-sentence reply whose LLM stream stays open until `rest` resolves. */
async function speakingReply(h: ReturnType<typeof createHarness>) {
  await startAndGreet(h);
  const rest = deferred();
  h.llm.scripts.push([
    text('First sentence here. '),
    text('Second sentence is longer. '),
    { wait: rest.promise },
    text('Never said.'),
    done(),
  ]);
  h.stt.say('Tell me something');
  await flush();
  expect(h.session.state).toBe('speaking');
  return rest;
}

const clears = (h: ReturnType<typeof createHarness>) => h.frames.filter((f) => f.event === 'clear').length;

describe('call session: barge-in', () => {
  it('cuts the audio, aborts LLM and TTS, and keeps only what was heard', async () => {
    const h = createHarness();
    await speakingReply(h);
    const replyTts = h.tts.requests.slice(1);
    h.stt.emit({ type: 'speech-started' });
    // 300 ms of playback: sentence 1 (200 ms) in full, half of sentence 2.
    await h.advance(300);
    h.stt.emit({ type: 'transcript', text: 'wait I have', isFinal: false, speechFinal: false });
    await flush();

    expect(clears(h)).toBe(1);
    expect(h.session.state).toBe('listening');
    expect(h.llm.lastSignal.aborted).toBe(true);
    expect(replyTts.every((r) => r.signal?.aborted)).toBe(true);
    expect(h.session.stats.bargeIns).toBe(1);
    expect(h.assistantTurns().at(-1)).toMatchObject({
      generatedText: 'First sentence here. Second sentence is longer.',
      heardText: 'First sentence here. Second',
      interrupted: true,
    });

    h.stt.emit({ type: 'transcript', text: 'wait I have a question', isFinal: true, speechFinal: true });
    await flush();
    const history = h.llm.requests.at(-1)?.messages.slice(-2);
    expect(history).toEqual([
      { role: 'assistant', content: 'First sentence here. Second' },
      { role: 'user', content: 'wait I have a question' },
    ]);
    await h.session.stop('test');
  });

  it('does not interrupt for a backchannel, even a long one', async () => {
    const h = createHarness();
    const rest = await speakingReply(h);
    h.stt.emit({ type: 'speech-started' });
    await h.advance(100);
    h.stt.emit({ type: 'transcript', text: 'Uh-huh.', isFinal: false, speechFinal: false });
    await h.advance(400);
    h.stt.emit({ type: 'transcript', text: 'Mhm, yeah.', isFinal: true, speechFinal: true });
    await flush();
    expect(clears(h)).toBe(0);
    expect(h.session.state).toBe('speaking');
    expect(h.llm.requests).toHaveLength(1);
    rest.resolve();
    await h.playAll();
    expect(h.session.state).toBe('listening');
    expect(h.assistantTurns().at(-1)).toMatchObject({
      interrupted: false,
      heardText: expect.stringContaining('Never said.'),
    });
    expect(h.turns.filter((t) => t.role === 'user')).toHaveLength(1);
    await h.session.stop('test');
  });

  it('does not interrupt for noise: SpeechStarted without any words', async () => {
    const h = createHarness();
    const rest = await speakingReply(h);
    h.stt.emit({ type: 'speech-started' });
    await h.advance(1000);
    h.stt.emit({ type: 'transcript', text: '', isFinal: true, speechFinal: true });
    h.stt.emit({ type: 'utterance-end' });
    await flush();
    expect(clears(h)).toBe(0);
    expect(h.session.stats.bargeIns).toBe(0);
    rest.resolve();
    await h.playAll();
    expect(h.assistantTurns().at(-1)?.interrupted).toBe(false);
    await h.session.stop('test');
  });

  it('waits until real words have lasted minSpeechMs before interrupting', async () => {
    const h = createHarness();
    await speakingReply(h);
    h.stt.emit({ type: 'speech-started' });
    h.stt.emit({ type: 'transcript', text: 'stop', isFinal: false, speechFinal: false });
    await h.advance(299);
    expect(clears(h)).toBe(0);
    await h.advance(1);
    expect(clears(h)).toBe(1);
    expect(h.session.state).toBe('listening');
    await h.session.stop('test');
  });

  it('can be switched off', async () => {
    const h = createHarness({ bargeIn: { enabled: false, minSpeechMs: 300, backchannels: [] } });
    const rest = await speakingReply(h);
    h.stt.emit({ type: 'speech-started' });
    await h.advance(500);
    h.stt.emit({ type: 'transcript', text: 'hold on a second', isFinal: true, speechFinal: true });
    await flush();
    expect(clears(h)).toBe(0);
    rest.resolve();
    await h.playAll();
    expect(h.assistantTurns().at(-1)?.interrupted).toBe(false);
    await h.session.stop('test');
  });

  it('lets the caller interrupt the greeting, keeping the part they heard', async () => {
    const h = createHarness();
    h.tts.bytesPerSentence = 8000; // a one-second greeting
    await h.session.start();
    await h.advance(100);
    h.stt.emit({ type: 'speech-started' });
    await h.advance(300);
    h.stt.emit({
      type: 'transcript',
      text: 'Yes hello I am calling about',
      isFinal: false,
      speechFinal: false,
    });
    await flush();
    expect(h.session.state).toBe('listening');
    // 400 of 1000 ms played.
    expect(h.assistantTurns()[0]).toMatchObject({ interrupted: true, heardText: 'Hello,' });
    h.stt.emit({
      type: 'transcript',
      text: 'Yes hello I am calling about my bill',
      isFinal: true,
      speechFinal: true,
    });
    await flush();
    expect(h.llm.requests[0]?.messages.slice(1)).toEqual([
      { role: 'assistant', content: 'Hello,' },
      { role: 'user', content: 'Yes hello I am calling about my bill' },
    ]);
    await h.session.stop('test');
  });
});
