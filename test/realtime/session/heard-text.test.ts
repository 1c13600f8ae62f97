import { describe, expect, it } from 'vitest';
import { createConversation } from '../../../src/realtime/session/conversation.ts';
import { heardFromBytes, heardPrefix } from '../../../src/realtime/session/heard-text.ts';

describe('heard text', () => {
  it('keeps only whole words within the played proportion', () => {
    expect(heardPrefix('Your table is booked for eight.', 0)).toBe('');
    expect(heardPrefix('Your table is booked for eight.', 0.5)).toBe('Your table is');
    expect(heardPrefix('Your table is booked for eight.', 1)).toBe('Your table is booked for eight.');
    expect(heardPrefix('Supercalifragilistic', 0.9)).toBe('');
  });

  it('guesses the full length of a sentence whose synthesis was cut short', () => {
    // All 4000 bytes received so far played, but the sentence needs ~31 kB: only its start was heard.
    expect(heardFromBytes('This sentence would take a few seconds to say out loud.', 4000, 4000, false)).toBe(
      'This',
    );
    expect(heardFromBytes('Short one.', 800, 800, true)).toBe('Short one.');
  });
});

describe('conversation history', () => {
  it('revises an assistant message to what was heard, dropping it if nothing was', () => {
    const c = createConversation('sys', 10);
    c.addUser('hi');
    const a = c.addAssistant('Hello there, how are you?');
    c.revise(a, 'Hello there,');
    const b = c.addAssistant('Unheard.');
    c.revise(b, '');
    expect(c.messages()).toEqual([
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'Hello there,' },
    ]);
  });

  it('stays bounded and never starts on a tool result or an orphan reply', () => {
    const c = createConversation('sys', 4);
    c.addUser('one');
    c.addAssistant('', [{ id: 't1', name: 'lookup', argumentsJson: '{}' }]);
    c.addToolResult('t1', 'result');
    c.addAssistant('answer');
    c.addUser('two');
    expect(c.messages()).toEqual([
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'two' },
    ]);
  });
});
