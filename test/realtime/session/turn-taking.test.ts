import { describe, expect, it } from 'vitest';
import { backchannelMatcher, createTurnTaking } from '../../../src/realtime/session/turn-taking.ts';

const options = { minSpeechMs: 300, backchannels: ['mhm', 'uh-huh', 'yeah', 'okay', 'right'] };
const final = (text: string, speechFinal = false, extra: object = {}) =>
  ({ type: 'transcript', text, isFinal: true, speechFinal, ...extra }) as const;

describe('turn taking', () => {
  it('accumulates finals and ends the turn on speechFinal', () => {
    const t = createTurnTaking(options);
    expect(t.handle(final('I want'), 0)).toBeUndefined();
    expect(
      t.handle({ type: 'transcript', text: 'to book', isFinal: false, speechFinal: false }, 100),
    ).toBeUndefined();
    expect(t.handle(final('to book a table', true, { startMs: 1000, durationMs: 800 }), 200)).toMatchObject({
      text: 'I want to book a table',
      lastWordEndMs: 1800,
      backchannel: false,
    });
  });

  it('ignores speechFinal with nothing said, and utterance-end with no finals', () => {
    const t = createTurnTaking(options);
    expect(t.handle(final('', true), 0)).toBeUndefined();
    expect(t.handle({ type: 'utterance-end' }, 0)).toBeUndefined();
  });

  it('ends the turn on utterance-end when finals are pending', () => {
    const t = createTurnTaking(options);
    t.handle(final('hello'), 0);
    expect(t.handle({ type: 'utterance-end', lastWordEndMs: 900 }, 10)).toMatchObject({
      text: 'hello',
      lastWordEndMs: 900,
    });
  });

  it('calls an interruption only for real words that lasted minSpeechMs', () => {
    const t = createTurnTaking(options);
    t.handle({ type: 'speech-started' }, 1000);
    expect(t.interruption(1500)).toEqual({ due: false }); // no words: noise
    t.handle({ type: 'transcript', text: 'mhm', isFinal: false, speechFinal: false }, 1100);
    expect(t.interruption(1500)).toEqual({ due: false }); // backchannel
    t.handle({ type: 'transcript', text: 'mhm wait', isFinal: false, speechFinal: false }, 1200);
    expect(t.interruption(1200)).toEqual({ due: false, retryInMs: 100 });
    expect(t.interruption(1300)).toEqual({ due: true });
  });

  it('counts from the latest SpeechStarted when the earlier one was a wordless blip', () => {
    const t = createTurnTaking(options);
    t.handle({ type: 'speech-started' }, 0);
    t.handle({ type: 'speech-started' }, 5000);
    t.handle({ type: 'transcript', text: 'hold on', isFinal: false, speechFinal: false }, 5100);
    expect(t.interruption(5100)).toEqual({ due: false, retryInMs: 200 });
  });

  it('hands over pending words for a DTMF turn', () => {
    const t = createTurnTaking(options);
    t.handle(final('my number is'), 0);
    expect(t.takePending()).toBe('my number is');
    expect(t.takePending()).toBe('');
  });
});

describe('backchannel matcher', () => {
  const isBackchannel = backchannelMatcher(options.backchannels);
  it.each(['mhm', 'Mhm.', 'Uh-huh', 'uh huh', 'Yeah, okay.', 'right right'])(
    '%s is a backchannel',
    (text) => {
      expect(isBackchannel(text)).toBe(true);
    },
  );
  it.each(['yeah but wait', 'stop', 'okay so what time', '', 'uh'])('%j is not', (text) => {
    expect(isBackchannel(text)).toBe(false);
  });
});
