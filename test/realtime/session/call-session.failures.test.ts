import { describe, expect, it } from 'vitest';
import { createHarness, flush, startAndGreet } from './fakes.ts';

describe('call session: provider failures', () => {
  it('reopens STT once after a drop and keeps the conversation going', async () => {
    const h = createHarness();
    await startAndGreet(h);
    h.stt.drop();
    await flush();
    expect(h.stt.opens).toBe(2);
    h.session.onAudio(new Uint8Array(160));
    expect(h.stt.current.audio).toHaveLength(1);
    h.stt.say('Are you there?');
    await h.playAll();
    expect(h.llm.requests).toHaveLength(1);
    expect(h.session.state).toBe('listening');
    expect(h.ends).toEqual([]);
    await h.session.stop('test');
  });

  it('apologises and ends when STT drops a second time', async () => {
    const h = createHarness();
    await startAndGreet(h);
    h.stt.drop();
    await flush();
    h.stt.drop();
    await flush();
    expect(h.stt.opens).toBe(2);
    expect(h.session.state).toBe('ending');
    expect(h.tts.texts.at(-1)).toBe('Sorry, something went wrong.');
    await h.playAll(1000);
    expect(h.ends).toEqual(['stt-failed']);
    expect(h.pending()).toBe(0);
  });

  it('apologises and ends when STT cannot be reopened', async () => {
    const h = createHarness();
    await startAndGreet(h);
    h.stt.failOpens = 1;
    h.stt.drop();
    await flush();
    expect(h.tts.texts.at(-1)).toBe('Sorry, something went wrong.');
    await h.playAll(1000);
    expect(h.ends).toEqual(['stt-failed']);
  });

  it('apologises and ends when STT cannot be opened at all', async () => {
    const h = createHarness();
    h.stt.failOpens = 1;
    await h.session.start();
    expect(h.tts.texts).toEqual(['Sorry, something went wrong.']);
    await h.playAll(1000);
    expect(h.ends).toEqual(['stt-failed']);
    expect(h.pending()).toBe(0);
  });

  it('buffers caller audio that arrives before STT is open', async () => {
    const h = createHarness();
    h.session.onAudio(new Uint8Array([1, 2, 3]));
    await h.session.start();
    expect(h.stt.current.audio).toEqual([new Uint8Array([1, 2, 3])]);
    await h.session.stop('test');
  });

  it('apologises and listens again after an LLM failure', async () => {
    const h = createHarness();
    await startAndGreet(h);
    h.llm.scripts.push([{ fail: new Error('502') }]);
    h.stt.say('Hello?');
    await flush();
    expect(h.tts.texts.at(-1)).toBe('Sorry, something went wrong.');
    await h.playAll();
    expect(h.session.state).toBe('listening');
    expect(h.ends).toEqual([]);
    // The next turn works, and resets the failure count.
    h.stt.say('Hello again');
    await h.playAll();
    expect(h.tts.texts.at(-1)).toBe('Okay.');
    await h.session.stop('test');
  });

  it('ends the call when the LLM fails twice in a row', async () => {
    const h = createHarness();
    await startAndGreet(h);
    h.llm.scripts.push([{ fail: new Error('502') }], [{ fail: new Error('502') }]);
    h.stt.say('Hello?');
    await h.playAll();
    h.stt.say('Hello??');
    await flush();
    expect(h.session.state).toBe('ending');
    await h.playAll();
    expect(h.ends).toEqual(['llm-failed']);
    expect(h.pending()).toBe(0);
  });

  it('ends with tts-failed when synthesis fails for good', async () => {
    const h = createHarness();
    await startAndGreet(h);
    h.tts.failWith = new Error('both voices down');
    h.stt.say('Hello?');
    await flush();
    expect(h.ends).toEqual(['tts-failed']);
    expect(h.session.state).toBe('ended');
    expect(h.pending()).toBe(0);
  });
});
