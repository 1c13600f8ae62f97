import { describe, expect, it } from 'vitest';
import type { ToolOutcome } from '../../../src/realtime/session/types.ts';
import { createHarness, deferred, done, flush, startAndGreet, text, toolCall } from './fakes.ts';

describe('call session: tools', () => {
  it('says the filler when a tool is slow, then feeds the result back to the LLM', async () => {
    const h = createHarness();
    await startAndGreet(h);
    const result = deferred<ToolOutcome>();
    h.tools.results.set('lookup', result.promise);
    h.llm.scripts.push([toolCall('lookup', '{"q":"hours"}'), done()], [text('We open at nine.'), done()]);
    h.stt.say('When do you open?');
    await h.advance(1499);
    expect(h.tts.texts).not.toContain('One moment please.');
    await h.advance(1);
    expect(h.tts.texts.at(-1)).toBe('One moment please.');
    expect(h.session.state).toBe('speaking');
    result.resolve({ content: 'opens 9:00' });
    await flush();
    expect(h.tts.texts.at(-1)).toBe('We open at nine.');
    expect(h.llm.requests[1]?.messages.slice(-3)).toEqual([
      { role: 'user', content: 'When do you open?' },
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ id: 'call-lookup', name: 'lookup', argumentsJson: '{"q":"hours"}' }],
      },
      { role: 'tool', toolCallId: 'call-lookup', content: 'opens 9:00' },
    ]);
    await h.playAll();
    expect(h.session.state).toBe('listening');
    expect(h.assistantTurns().at(-1)).toMatchObject({
      heardText: 'One moment please. We open at nine.',
      interrupted: false,
      toolCalls: [{ id: 'call-lookup', name: 'lookup', arguments: '{"q":"hours"}', result: 'opens 9:00' }],
    });
    await h.session.stop('test');
  });

  it('says no filler when the tool answers quickly', async () => {
    const h = createHarness();
    await startAndGreet(h);
    h.llm.scripts.push([toolCall('lookup'), done()], [text('Done.'), done()]);
    h.stt.say('Check please');
    await h.playAll();
    expect(h.tts.texts).not.toContain('One moment please.');
    expect(h.tts.texts.at(-1)).toBe('Done.');
    await h.session.stop('test');
  });

  it('tells the LLM when a tool throws instead of failing the turn', async () => {
    const h = createHarness();
    await startAndGreet(h);
    h.tools.results.set('lookup', Promise.reject(new Error('crm down')));
    h.llm.scripts.push([toolCall('lookup'), done()], [text('Sorry, I cannot check that now.'), done()]);
    h.stt.say('Check please');
    await h.playAll();
    expect(h.llm.requests[1]?.messages.at(-1)).toEqual({
      role: 'tool',
      toolCallId: 'call-lookup',
      content: 'The tool failed: crm down',
    });
    expect(h.session.state).toBe('listening');
    await h.session.stop('test');
  });

  it('ends the call after the final words and the goodbye when a tool says endCall', async () => {
    const h = createHarness();
    await startAndGreet(h);
    h.tools.results.set('end_call', { content: 'ending', endCall: true });
    h.llm.scripts.push([text('Thanks for calling. '), toolCall('end_call'), done()]);
    h.stt.say('That is all, bye');
    await flush();
    expect(h.session.state).toBe('ending');
    expect(h.tts.texts.slice(-2)).toEqual(['Thanks for calling.', 'Goodbye!']);
    expect(h.ends).toEqual([]);
    await h.playAll();
    expect(h.ends).toEqual(['end-call']);
    expect(h.session.state).toBe('ended');
    expect(h.assistantTurns().at(-1)).toMatchObject({
      heardText: 'Thanks for calling. Goodbye!',
      interrupted: false,
    });
    expect(h.pending()).toBe(0);
  });

  it('ends at once without a goodbye when a tool transferred the call', async () => {
    const h = createHarness();
    await startAndGreet(h);
    h.tools.results.set('transfer', { content: 'transferred', transferred: true });
    h.llm.scripts.push([toolCall('transfer'), done()]);
    h.stt.say('Let me talk to a person');
    await flush();
    expect(h.ends).toEqual(['transferred']);
    expect(h.tts.texts).not.toContain('Goodbye!');
    expect(h.session.state).toBe('ended');
    expect(h.pending()).toBe(0);
  });

  it('aborts a running tool on barge-in', async () => {
    const h = createHarness();
    await startAndGreet(h);
    h.tools.results.set('lookup', new Promise<ToolOutcome>(() => undefined));
    h.llm.scripts.push([text('Let me check that for you. '), toolCall('lookup'), done()]);
    h.stt.say('Is my order ready?');
    await h.advance(100);
    h.stt.emit({ type: 'speech-started' });
    await h.advance(300);
    h.stt.emit({ type: 'transcript', text: 'actually never mind', isFinal: false, speechFinal: false });
    await flush();
    expect(h.tools.calls[0]?.signal.aborted).toBe(true);
    expect(h.session.state).toBe('listening');
    expect(h.assistantTurns().at(-1)).toMatchObject({
      interrupted: true,
      heardText: 'Let me check that for you.',
    });
    await h.session.stop('test');
  });
});
