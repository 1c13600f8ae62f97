import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WavHeaderStripper } from '../../../src/providers/elevenlabs/strip-wav-header.ts';
import { speechLike } from '../../../src/sim/audio.ts';

/** A mu-law WAV header with an extra LIST chunk before "data", as some encoders write it. */
function wavHeader(dataBytes: number): Uint8Array {
  const header = Buffer.alloc(12 + 26 + 12 + 8);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(header.length - 8 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(18, 16);
  header.writeUInt16LE(7, 20); // WAVE_FORMAT_MULAW
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(8000, 28);
  header.writeUInt16LE(1, 32);
  header.writeUInt16LE(8, 34);
  header.writeUInt16LE(0, 36);
  header.write('LIST', 38, 'ascii');
  header.writeUInt32LE(4, 42);
  header.write('INFO', 46, 'ascii');
  header.write('data', 50, 'ascii');
  header.writeUInt32LE(dataBytes, 54);
  return header;
}

function run(stream: Uint8Array, cuts: number[]): Buffer {
  const stripper = new WavHeaderStripper();
  const out: Uint8Array[] = [];
  let start = 0;
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b).concat(stream.length)) {
    out.push(stripper.push(stream.subarray(start, cut)));
    start = cut;
  }
  stripper.end();
  return Buffer.concat(out);
}

describe('WAV header stripping', () => {
  const audio = speechLike('hello there');

  it('passes headerless mu-law through untouched, however it is chunked', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: audio.length })), (cuts) => {
        expect(run(audio, cuts).equals(Buffer.from(audio))).toBe(true);
      }),
    );
  });

  it('removes a header split across any chunk boundaries', () => {
    const stream = Buffer.concat([wavHeader(audio.length), audio]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 8 }), (cuts) => {
        expect(run(stream, cuts).equals(Buffer.from(audio))).toBe(true);
      }),
    );
  });
});
