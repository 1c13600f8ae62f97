import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvParser, CsvSyntaxError, parseCsvStream } from '../../src/domain/csv.ts';

function parseAll(text: string): string[][] {
  const p = new CsvParser();
  return [...p.push(text), ...p.end()].map((r) => r.fields);
}

function encode(rows: string[][], eol = '\r\n'): string {
  const field = (f: string) => (/[",\r\n]/.test(f) || f === '' ? `"${f.replaceAll('"', '""')}"` : f);
  return rows.map((r) => r.map(field).join(',')).join(eol) + eol;
}

async function* chunked(text: string, sizes: number[]): AsyncGenerator<string> {
  let i = 0;
  let k = 0;
  while (i < text.length) {
    const n = sizes.length > 0 ? Math.max(1, sizes[k++ % sizes.length] as number) : text.length;
    yield text.slice(i, i + n);
    i += n;
  }
}

describe('CSV parser (RFC 4180)', () => {
  it('parses quoted fields with commas, doubled quotes and line breaks, CRLF and LF alike', () => {
    expect(parseAll('a,b,c\r\n1,"x, y","say ""hi"""\n2,"line\r\nbreak",\n')).toEqual([
      ['a', 'b', 'c'],
      ['1', 'x, y', 'say "hi"'],
      ['2', 'line\r\nbreak', ''],
    ]);
    expect(parseAll('a,b')).toEqual([['a', 'b']]); // no final line break
    expect(parseAll('\uFEFFphone\rx\r')).toEqual([['phone'], ['x']]); // BOM stripped, lone CR
    expect(parseAll('')).toEqual([]);
  });

  it('numbers records from 1 and reports malformed input with its record number', () => {
    const p = new CsvParser();
    expect(p.push('h\nr2\n').map((r) => r.record)).toEqual([1, 2]);
    expect(() => parseAll('a\nb"c\n')).toThrow(
      new CsvSyntaxError('a quote inside an unquoted field (quote the whole field)', 2),
    );
    expect(() => parseAll('a\n"b"c\n')).toThrow(/record 2: text after a closing quote/);
    expect(() => parseAll('a\n"unterminated\n')).toThrow(/record 2: unterminated quoted field/);
  });

  it('gives the same records however the stream is split, for any content (property)', async () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', '\r', ' ', 'é', '😀') });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(text, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { maxLength: 5 }),
        async (rows, sizes) => {
          const out: string[][] = [];
          for await (const r of parseCsvStream(chunked(encode(rows), sizes))) out.push(r.fields);
          expect(out).toEqual(rows);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('decodes UTF-8 bytes split inside a character', async () => {
    const bytes = new TextEncoder().encode('name\nZoë 😀\n');
    async function* oneByteAtATime() {
      for (const b of bytes) yield new Uint8Array([b]);
    }
    const out: string[][] = [];
    for await (const r of parseCsvStream(oneByteAtATime())) out.push(r.fields);
    expect(out).toEqual([['name'], ['Zoë 😀']]);
  });
});
