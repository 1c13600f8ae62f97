import { describe, expect, it } from 'vitest';
import { createHarness, startAndGreet } from './fakes.ts';

describe('call session: silence and maximum duration', () => {
  it('re-prompts once after silence, then says goodbye and hangs up', async () => {
    const h = createHarness();
    await startAndGreet(h);
    await h.advance(7999);
    expect(h.tts.texts).not.toContain('Are you still there?');
    await h.advance(1);
    expect(h.tts.texts.at(-1)).toBe('Are you still there?');
    await h.playAll(500);
    expect(h.session.state).toBe('listening');
    await h.advance(5999);
    expect(h.tts.texts).not.toContain('Goodbye!');
    await h.advance(1);
    expect(h.tts.texts.at(-1)).toBe('Goodbye!');
    expect(h.session.state).toBe('ending');
    await h.playAll(500);
    expect(h.ends).toEqual(['silence']);
    expect(h.session.state).toBe('ended');
    expect(h.pending()).toBe(0);
    expect(h.stt.current.closed).toBe(true);
  });

  it('restarts the countdown whenever the caller says something', async () => {
    const h = createHarness();
    await startAndGreet(h);
    await h.advance(7000);
    h.stt.emit({ type: 'transcript', text: 'um', isFinal: false, speechFinal: false });
    await h.advance(7000);
    expect(h.tts.texts).not.toContain('Are you still there?');
    await h.session.stop('test');
  });

  it('says goodbye and ends when the call reaches its maximum duration', async () => {
    const h = createHarness({ maxDurationMs: 5000 });
    await startAndGreet(h);
    await h.advance(4000);
    expect(h.tts.texts.at(-1)).toBe('Goodbye!');
    await h.playAll(500);
    expect(h.ends).toEqual(['max-duration']);
    expect(h.pending()).toBe(0);
  });
});
