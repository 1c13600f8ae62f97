import { describe, expect, it } from 'vitest';
import { createHarness, flush, startAndGreet } from './fakes.ts';

describe('call session: DTMF', () => {
  it('turns a multi-digit entry into one user turn after a short pause', async () => {
    const h = createHarness();
    await startAndGreet(h);
    h.session.onDtmf('1');
    await h.advance(500);
    h.session.onDtmf('2');
    await h.advance(999);
    expect(h.llm.requests).toHaveLength(0);
    await h.advance(1);
    expect(h.llm.requests[0]?.messages.at(-1)).toEqual({ role: 'user', content: 'The caller pressed 12.' });
    await h.session.stop('test');
  });

  it('ends the entry at once on #', async () => {
    const h = createHarness();
    await startAndGreet(h);
    h.session.onDtmf('4');
    h.session.onDtmf('#');
    await flush();
    expect(h.llm.requests[0]?.messages.at(-1)).toEqual({ role: 'user', content: 'The caller pressed 4.' });
    expect(h.turns.at(-1)).toMatchObject({ role: 'user', heardText: 'The caller pressed 4.' });
    await h.session.stop('test');
  });

  it('interrupts the agent when the caller presses a key while it speaks', async () => {
    const h = createHarness();
    await startAndGreet(h);
    h.stt.say('What are my options?');
    await flush();
    expect(h.session.state).toBe('speaking');
    h.session.onDtmf('#');
    await flush();
    expect(h.frames.filter((f) => f.event === 'clear')).toHaveLength(1);
    expect(h.llm.requests).toHaveLength(2);
    await h.session.stop('test');
  });
});
