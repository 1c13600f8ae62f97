/**
 * A streaming RFC 4180 parser: feed text in chunks of any size (a split can fall inside a quoted
 * field, between `""`, or between CR and LF) and take complete records as they form. Quoted
 * fields may hold commas, quotes (doubled) and line breaks; CRLF, LF and a lone CR end records.
 */

export class CsvSyntaxError extends Error {
  override name = 'CsvSyntaxError';
  constructor(
    message: string,
    /** 1-based record number where the problem is. */
    readonly record: number,
  ) {
    super(`CSV record ${record}: ${message}`);
  }
}

export interface CsvRecord {
  /** 1-based record number (the header, if any, is record 1). */
  record: number;
  fields: string[];
}

type State = 'fieldStart' | 'unquoted' | 'quoted' | 'quoteInQuoted' | 'afterCr';

export class CsvParser {
  private state: State = 'fieldStart';
  private field = '';
  private fields: string[] = [];
  private record = 1;
  private started = false;
  private out: CsvRecord[] = [];

  /** Parses `chunk` and returns the records it completed. */
  push(chunk: string): CsvRecord[] {
    let text = chunk;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // byte-order mark from spreadsheets
    }
    for (const ch of text) this.step(ch);
    const done = this.out;
    this.out = [];
    return done;
  }

  /** Ends the input: returns the last record (if the text did not end with a line break). */
  end(): CsvRecord[] {
    if (this.state === 'quoted') throw new CsvSyntaxError('unterminated quoted field', this.record);
    if (
      this.state !== 'afterCr' &&
      (this.fields.length > 0 || this.field !== '' || this.state !== 'fieldStart')
    )
      this.endRecord();
    const done = this.out;
    this.out = [];
    return done;
  }

  private step(ch: string): void {
    switch (this.state) {
      case 'afterCr':
        this.state = 'fieldStart';
        if (ch === '\n') return;
        this.step(ch);
        return;
      case 'quoted':
        if (ch === '"') this.state = 'quoteInQuoted';
        else this.field += ch;
        return;
      case 'quoteInQuoted':
        if (ch === '"') {
          this.field += '"';
          this.state = 'quoted';
          return;
        }
        if (ch !== ',' && ch !== '\n' && ch !== '\r')
          throw new CsvSyntaxError(
            'text after a closing quote (quotes inside a field are doubled)',
            this.record,
          );
        this.separator(ch);
        return;
      case 'fieldStart':
        if (ch === '"') {
          this.state = 'quoted';
          return;
        }
        this.state = 'unquoted';
        this.unquoted(ch);
        return;
      case 'unquoted':
        this.unquoted(ch);
        return;
    }
  }

  private unquoted(ch: string): void {
    if (ch === ',' || ch === '\n' || ch === '\r') this.separator(ch);
    else if (ch === '"')
      throw new CsvSyntaxError('a quote inside an unquoted field (quote the whole field)', this.record);
    else this.field += ch;
  }

  private separator(ch: string): void {
    if (ch === ',') {
      this.fields.push(this.field);
      this.field = '';
      this.state = 'fieldStart';
      return;
    }
    this.endRecord();
    this.state = ch === '\r' ? 'afterCr' : 'fieldStart';
  }

  private endRecord(): void {
    this.fields.push(this.field);
    this.out.push({ record: this.record, fields: this.fields });
    this.record++;
    this.fields = [];
    this.field = '';
  }
}

/** Parses a whole stream of text or UTF-8 bytes, yielding records as they complete. */
export async function* parseCsvStream(chunks: AsyncIterable<string | Uint8Array>): AsyncGenerator<CsvRecord> {
  const parser = new CsvParser();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for await (const chunk of chunks) {
    // `stream: true` keeps a multi-byte character split across chunks intact.
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    yield* parser.push(text);
  }
  yield* parser.push(decoder.decode());
  yield* parser.end();
}
