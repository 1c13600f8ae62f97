import { describe, expect, it } from 'vitest';
import { createHarness, deferred, done, flush, startAndGreet, text } from './fakes.ts';

describe('call session: greeting and a user turn', () => {
  it('greets, records the greeting once heard, then listens', async () => {
    const h = createHarness();
    await h.session.start();
    expect(h.session.state).toBe('greeting');
    expect(h.tts.texts).toEqual(['Hello, how can I help?']);
    expect(h.assistantTurns()).toHaveLength(0); // not heard yet
    await h.playAll(1000);
    expect(h.session.state).toBe('listening');
    expect(h.assistantTurns()).toEqual([
      expect.objectContaining({ heardText: 'Hello, how can I help?', interrupted: false, sequence: 1 }),
    ]);
    await h.session.stop('test');
  });

  it('speaks the first sentence before the LLM has finished the reply', async () => {
    const h = createHarness();
    await startAndGreet(h);
    const rest = deferred();
    h.llm.scripts.push([
      text('Sure, I can help. '),
      { wait: rest.promise },
      text('What day suits you?'),
      done(),
    ]);
    h.stt.say('I would like an appointment');
    await flush();
    expect(h.session.state).toBe('speaking');
    expect(h.tts.texts.at(-1)).toBe('Sure, I can help.');
    expect(h.llm.finishedStreams).toBe(0);
    rest.resolve();
    await flush();
    expect(h.tts.texts.slice(1)).toEqual(['Sure, I can help.', 'What day suits you?']);
    await h.playAll(2000);
    expect(h.session.state).toBe('listening');
    const reply = h.assistantTurns().at(-1);
    expect(reply).toMatchObject({
      generatedText: 'Sure, I can help. What day suits you?',
      heardText: 'Sure, I can help. What day suits you?',
      interrupted: false,
    });
    expect(h.turns.find((t) => t.role === 'user')).toMatchObject({
      heardText: 'I would like an appointment',
    });
    await h.session.stop('test');
  });

  it('sends the bounded history with the system prompt and tool definitions', async () => {
    const h = createHarness();
    await startAndGreet(h);
    h.stt.say('Hi there');
    await h.playAll();
    const request = h.llm.requests[0];
    expect(request?.messages).toEqual([
      { role: 'system', content: 'You are a helpful receptionist.' },
      { role: 'assistant', content: 'Hello, how can I help?' },
      { role: 'user', content: 'Hi there' },
    ]);
    expect(request?.tools?.map((t) => t.name)).toEqual(['lookup']);
    await h.session.stop('test');
  });

  it('ends the user turn on utterance-end when endpointing missed, joining the finals', async () => {
    const h = createHarness();
    await startAndGreet(h);
    h.stt.emit({ type: 'speech-started' });
    h.stt.emit({ type: 'transcript', text: 'I need', isFinal: true, speechFinal: false });
    h.stt.emit({ type: 'transcript', text: 'a plumber', isFinal: true, speechFinal: false });
    await flush();
    expect(h.llm.requests).toHaveLength(0);
    h.stt.emit({ type: 'utterance-end' });
    await flush();
    expect(h.llm.requests[0]?.messages.at(-1)).toEqual({ role: 'user', content: 'I need a plumber' });
    await h.session.stop('test');
  });

  it('records per-turn latency from the turn-ending event', async () => {
    const h = createHarness();
    await startAndGreet(h);
    const firstToken = deferred();
    h.llm.scripts.push([{ wait: firstToken.promise }, text('Hello!'), done()]);
    h.stt.say('Hello');
    await h.advance(250);
    firstToken.resolve();
    await h.playAll();
    expect(h.assistantTurns().at(-1)?.latency).toEqual({
      llmFirstTokenMs: 250,
      ttsFirstByteMs: 250,
      firstFrameMs: 250,
    });
    await h.session.stop('test');
  });
});

describe("call session: the caller's turn record", () => {
  it('reaches the sink after the LLM request has gone out, in sequence order', async () => {
    const h = createHarness();
    await startAndGreet(h);
    h.llm.scripts.push([text('Sure.'), done()]);
    const before = h.turns.length;
    h.stt.say('I would like an appointment');
    // Promise chains only, no new turn of the event loop: the request is out, the record is not.
    for (let i = 0; i < 50; i++) await Promise.resolve();
    expect(h.llm.requests).toHaveLength(1);
    expect(h.turns).toHaveLength(before);
    await flush();
    const user = h.turns.find((t) => t.role === 'user');
    expect(user).toMatchObject({ heardText: 'I would like an appointment', sequence: 2 });
    await h.playAll(2000);
    expect(h.assistantTurns().at(-1)).toMatchObject({ sequence: 3, heardText: 'Sure.' });
    await h.session.stop('test');
  });

  it('is still delivered when the call stops before the next turn of the event loop', async () => {
    const h = createHarness();
    await startAndGreet(h);
    h.llm.scripts.push([text('Sure.'), done()]);
    h.stt.say('Goodbye then');
    await h.session.stop('test');
    expect(h.turns.find((t) => t.role === 'user')).toMatchObject({ heardText: 'Goodbye then' });
  });

  it('starts speech on the first long clause while the model is still writing that sentence', async () => {
    const h = createHarness();
    await startAndGreet(h);
    const rest = deferred();
    h.llm.scripts.push([
      text('Sure, let me check that for you, '),
      { wait: rest.promise },
      text('it takes a moment.'),
      done(),
    ]);
    h.stt.say('Can I book for Monday');
    await flush();
    expect(h.session.state).toBe('speaking');
    expect(h.tts.texts.at(-1)).toBe('Sure, let me check that for you,');
    rest.resolve();
    await flush();
    expect(h.tts.texts.slice(1)).toEqual(['Sure, let me check that for you,', 'it takes a moment.']);
    await h.playAll(3000);
    expect(h.assistantTurns().at(-1)).toMatchObject({
      generatedText: 'Sure, let me check that for you, it takes a moment.',
      interrupted: false,
    });
    await h.session.stop('test');
  });
});
