/**
 * Cuts streamed LLM text into speakable pieces so the first sentence reaches TTS while the model
 * is still writing the rest. A boundary is only trusted once the character after it has arrived:
 * "3." may still become "3.5", and "Dr." is followed by a name, not a new sentence.
 */

/** Words that end in a period without ending the sentence (lower case, no period). */
const ABBREVIATIONS = new Set([
  'dr',
  'mr',
  'mrs',
  'ms',
  'prof',
  'sr',
  'jr',
  'st',
  'vs',
  'etc',
  'e.g',
  'i.e',
  'approx',
  'apt',
  'ave',
  'mt',
  'ft',
  'a.m',
  'p.m',
]);

/** A clause this long is worth speaking on its own at a comma: TTS first byte beats prosody. */
export const CLAUSE_SPLIT_MIN_CHARS = 80;
/** Never send a first piece shorter than this at a comma; it sounds choppy. */
const CLAUSE_MIN_HEAD_CHARS = 20;
/** Without any punctuation, give up waiting and split at a space. */
const HARD_SPLIT_CHARS = 250;

const CLOSERS = `"')]”’`;

export interface SentenceSplitterOptions {
  /**
   * Let the first piece end at a clause boundary (", " "; " ": ") once it is at least this long,
   * instead of waiting for a whole sentence or CLAUSE_SPLIT_MIN_CHARS. The caller hears nothing
   * until the first piece is synthesised, and a model writes a long first sentence at a few dozen
   * tokens a second: starting TTS on its first clause is hundreds of ms of dead air saved, at the
   * cost of a slightly flatter join. Later pieces keep the usual rules. Off when undefined.
   */
  firstClauseMinChars?: number;
}

export interface SentenceSplitter {
  /** Adds streamed text; returns the pieces that are now complete. */
  push(text: string): string[];
  /** The rest, at the end of the stream (or undefined if only whitespace is left). */
  flush(): string | undefined;
}

export function createSentenceSplitter(options: SentenceSplitterOptions = {}): SentenceSplitter {
  let buffer = '';
  let first = true;
  return {
    push(text) {
      buffer += text;
      const out: string[] = [];
      for (;;) {
        const end = findBoundary(buffer, first ? options.firstClauseMinChars : undefined);
        if (end === undefined) break;
        const piece = buffer.slice(0, end).trim();
        buffer = buffer.slice(end);
        if (piece) {
          out.push(piece);
          first = false;
        }
      }
      return out;
    },
    flush() {
      const rest = buffer.trim();
      buffer = '';
      return rest || undefined;
    },
  };
}

/** Index just past the first complete piece in `text`, or undefined if none is complete yet. */
function findBoundary(text: string, firstClauseMinChars: number | undefined): number | undefined {
  const sentenceEnd = findSentenceEnd(text);
  if (sentenceEnd !== undefined) return sentenceEnd;
  if (firstClauseMinChars !== undefined) {
    const clauseEnd = findClauseEnd(text, Math.max(1, firstClauseMinChars - 1));
    if (clauseEnd !== undefined) return clauseEnd;
  }
  if (text.length >= CLAUSE_SPLIT_MIN_CHARS) {
    const clauseEnd = findClauseEnd(text, CLAUSE_MIN_HEAD_CHARS);
    if (clauseEnd !== undefined) return clauseEnd;
  }
  if (text.length >= HARD_SPLIT_CHARS) {
    const space = text.lastIndexOf(' ');
    if (space > 0) return space + 1;
  }
  return undefined;
}

function findSentenceEnd(text: string): number | undefined {
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '\n') return i + 1;
    if (ch !== '.' && ch !== '!' && ch !== '?') continue;
    let end = i + 1;
    while (end < text.length && (text[end] === '.' || CLOSERS.includes(text[end] as string))) end++;
    // The next character decides; until it arrives, the boundary is unknown.
    if (end >= text.length) return undefined;
    if (!/\s/.test(text[end] as string)) continue;
    if (ch === '.' && isAbbreviation(text.slice(0, i))) continue;
    return end;
  }
  return undefined;
}

function isAbbreviation(before: string): boolean {
  const word = /(\S+)$/.exec(before)?.[1] ?? '';
  const bare = word.replace(/^[("'“‘[]+/, '');
  if (ABBREVIATIONS.has(bare.toLowerCase())) return true;
  // A single capital is an initial ("J. Smith"), not the end of a sentence.
  return /^[A-Z]$/.test(bare);
}

/** Just past the last clause mark (followed by whitespace) at index >= minIndex, if any. */
function findClauseEnd(text: string, minIndex: number): number | undefined {
  for (let i = text.length - 2; i >= minIndex; i--) {
    const ch = text[i];
    if ((ch === ',' || ch === ';' || ch === ':') && /\s/.test(text[i + 1] as string)) return i + 1;
  }
  return undefined;
}
