import { describe, expect, it } from 'vitest';
import { createSentenceSplitter } from '../../../src/realtime/session/sentence-splitter.ts';

/** Feeds `text` one character at a time, as a worst-case token stream. */
function splitStreamed(text: string): string[] {
  const s = createSentenceSplitter();
  const out: string[] = [];
  for (const ch of text) out.push(...s.push(ch));
  const rest = s.flush();
  if (rest) out.push(rest);
  return out;
}

describe('sentence splitter', () => {
  it('splits at . ! and ? once the next character shows the sentence ended', () => {
    const s = createSentenceSplitter();
    expect(s.push('Hello there.')).toEqual([]);
    expect(s.push(' How are')).toEqual(['Hello there.']);
    expect(s.push(' you? Great!')).toEqual(['How are you?']);
    expect(s.flush()).toBe('Great!');
  });

  it('does not split decimals, even when the stream pauses after the point', () => {
    expect(splitStreamed('It costs 3.5 dollars. Anything else?')).toEqual([
      'It costs 3.5 dollars.',
      'Anything else?',
    ]);
    const s = createSentenceSplitter();
    expect(s.push('That is 3.')).toEqual([]);
    expect(s.push('75 total. Ok')).toEqual(['That is 3.75 total.']);
  });

  it('does not split after abbreviations and initials', () => {
    expect(splitStreamed('Dr. Smith will see you at 10 a.m. on Main St. tomorrow. Bye.')).toEqual([
      'Dr. Smith will see you at 10 a.m. on Main St. tomorrow.',
      'Bye.',
    ]);
    expect(splitStreamed('Ask for J. R. Jones, e.g. at the desk. Thanks.')).toEqual([
      'Ask for J. R. Jones, e.g. at the desk.',
      'Thanks.',
    ]);
  });

  it('keeps closing quotes and ellipses with their sentence', () => {
    expect(splitStreamed('He said "yes." Then... nothing. Ok')).toEqual([
      'He said "yes."',
      'Then...',
      'nothing.',
      'Ok',
    ]);
  });

  it('splits a long clause at a comma so TTS can start early', () => {
    const long =
      'We have openings on Monday morning, Tuesday afternoon and Wednesday evening next week, and also on Friday';
    const pieces = splitStreamed(`${long}.`);
    expect(pieces[0]?.endsWith(',')).toBe(true);
    expect(pieces[0]?.length).toBeGreaterThanOrEqual(20);
    expect(pieces.join(' ')).toBe(`${long}.`);
  });

  it('does not split short clauses or numbers with commas', () => {
    expect(splitStreamed('Yes, that is 1,000 dollars, right. Ok')).toEqual([
      'Yes, that is 1,000 dollars, right.',
      'Ok',
    ]);
  });

  it('splits on newlines and drops empty pieces', () => {
    expect(splitStreamed('First line\n\nSecond line')).toEqual(['First line', 'Second line']);
    expect(createSentenceSplitter().flush()).toBeUndefined();
  });

  it('with firstClauseMinChars, ends the first piece at its first long-enough clause, then follows the usual rules', () => {
    const s = createSentenceSplitter({ firstClauseMinChars: 20 });
    const out: string[] = [];
    for (const ch of 'Sure, let me check that for you, one moment, please. Then, we can book it, okay. Bye')
      out.push(...s.push(ch));
    out.push(s.flush() ?? '');
    expect(out).toEqual([
      // "Sure," is too short to stand alone; the first clause of 20+ characters goes at once.
      'Sure, let me check that for you,',
      'one moment, please.',
      'Then, we can book it, okay.',
      'Bye',
    ]);
  });

  it('with firstClauseMinChars, still never splits a number or a short head', () => {
    const s = createSentenceSplitter({ firstClauseMinChars: 20 });
    expect(s.push('Yes, that is 1,000 dollars')).toEqual([]);
    expect(s.push(' in total')).toEqual([]);
    expect(s.flush()).toBe('Yes, that is 1,000 dollars in total');
  });
});
