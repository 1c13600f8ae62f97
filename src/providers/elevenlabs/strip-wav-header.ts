const RIFF = [0x52, 0x49, 0x46, 0x46];
const RIFF_HEADER_BYTES = 12;
const CHUNK_HEADER_BYTES = 8;
/** A header bigger than this is not a header: give up and pass the bytes on. */
const MAX_HEADER_BYTES = 4096;

/**
 * Removes a WAV (RIFF) container header from the front of a byte stream, wherever the chunk
 * boundaries fall. Raw mu-law is expected, but a header played as audio is an audible click
 * on the line (see protocols.md), so a stray one is cut out rather than trusted not to appear.
 */
export class WavHeaderStripper {
  private pending: Uint8Array | undefined = new Uint8Array(0);

  /** True once a header was found and dropped. */
  stripped = false;

  push(chunk: Uint8Array): Uint8Array {
    if (!this.pending) return chunk;
    const buffered = concat(this.pending, chunk);
    const decision = this.inspect(buffered);
    if (decision === 'need-more') {
      this.pending = buffered;
      return new Uint8Array(0);
    }
    this.pending = undefined;
    return buffered.subarray(decision);
  }

  /**
   * The stream ended. Bytes still held back are only ever a RIFF header that never reached its
   * "data" chunk, so they are dropped, never played.
   */
  end(): void {
    this.pending = undefined;
  }

  /** Offset of the audio in `bytes`, or 'need-more' while a RIFF header may still be arriving. */
  private inspect(bytes: Uint8Array): number | 'need-more' {
    const prefix = Math.min(bytes.length, RIFF.length);
    for (let i = 0; i < prefix; i++) if (bytes[i] !== RIFF[i]) return 0;
    if (bytes.length < RIFF.length) return 'need-more';
    const dataOffset = findDataChunk(bytes);
    if (dataOffset !== undefined) {
      this.stripped = true;
      return dataOffset;
    }
    return bytes.length > MAX_HEADER_BYTES ? 0 : 'need-more';
  }
}

/** Walks the RIFF sub-chunks ("fmt ", "LIST", "fact", ...) to the start of the "data" payload. */
function findDataChunk(bytes: Uint8Array): number | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = RIFF_HEADER_BYTES;
  while (offset + CHUNK_HEADER_BYTES <= bytes.length) {
    const id = String.fromCharCode(...bytes.subarray(offset, offset + 4));
    if (id === 'data') return offset + CHUNK_HEADER_BYTES;
    const size = view.getUint32(offset + 4, true);
    // Sub-chunks are padded to an even length.
    offset += CHUNK_HEADER_BYTES + size + (size % 2);
  }
  return undefined;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
