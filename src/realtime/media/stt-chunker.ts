/**
 * Groups the caller's 20 ms Twilio frames into larger STT messages when, and only when, that
 * cannot delay a transcript. Every WebSocket message to the STT vendor costs the node a masked
 * frame and a socket write; Deepgram accepts audio in any chunking (protocols.md 2.1), so five
 * frames in one message cost about a fifth as much.
 *
 * Holding audio back is free only while it carries nothing the vendor must react to at once:
 * - a frame with sound in it is sent at once, together with whatever quiet audio was held, so
 *   the vendor sees speech start exactly when it would have unbatched (barge-in is not slowed);
 * - for `promptTailMs` of audio after the last sound, frames go out one by one as well, because
 *   endpointing and utterance-end are measured in the silence after speech and the end of a
 *   turn must not wait for a batch to fill;
 * - after that (the caller listening to the agent, or a pause), quiet frames are held until
 *   `quietChunkMs` of audio is collected.
 * The bytes the vendor receives, and their order, are exactly the bytes Twilio sent.
 */

const MULAW_BYTES_PER_MS = 8;
/**
 * A mu-law byte codes sign, a 3-bit exponent and a mantissa (inverted). Exponent <= 2 means a
 * sample below ~880 of 32767 (about -31 dBFS): line noise and silence. Speech has peaks well
 * above that, so any louder sample marks the frame as sound; a quiet talker only loses batching.
 */
const QUIET_MAX_EXPONENT = 2;

export function isQuietFrame(mulaw: Uint8Array): boolean {
  for (let i = 0; i < mulaw.length; i++) {
    if (((~(mulaw[i] as number) >> 4) & 0x07) > QUIET_MAX_EXPONENT) return false;
  }
  return true;
}

export interface SttChunkerOptions {
  /** Delivers one STT message; called synchronously from push/flush. */
  send(chunk: Uint8Array): void;
  /** Audio after the last sound that still goes out frame by frame (covers endpointing). */
  promptTailMs: number;
  /** Most quiet audio held back in one message; 100 ms is Deepgram's upper recommended chunk. */
  quietChunkMs?: number;
}

export interface SttChunker {
  push(mulaw: Uint8Array): void;
  /** Sends whatever is held (before Finalize or CloseStream). */
  flush(): void;
  /** Hands back what is held without sending it (the stream went away). */
  take(): Uint8Array | undefined;
}

export function createSttChunker(options: SttChunkerOptions): SttChunker {
  const chunkBytes = (options.quietChunkMs ?? 100) * MULAW_BYTES_PER_MS;
  const tailBytes = options.promptTailMs * MULAW_BYTES_PER_MS;
  let held = new Uint8Array(chunkBytes);
  let heldBytes = 0;
  /** Audio since the last frame with sound; starts "long ago", so a call opens batching. */
  let quietBytes = Number.POSITIVE_INFINITY;

  function hold(mulaw: Uint8Array): void {
    if (heldBytes + mulaw.length > held.length) {
      const bigger = new Uint8Array(Math.max(held.length * 2, heldBytes + mulaw.length));
      bigger.set(held.subarray(0, heldBytes));
      held = bigger;
    }
    held.set(mulaw, heldBytes);
    heldBytes += mulaw.length;
  }

  /** The held buffer goes to the vendor as is; a fresh one takes its place (no aliasing). */
  function take(): Uint8Array | undefined {
    if (heldBytes === 0) return undefined;
    const out = held.subarray(0, heldBytes);
    held = new Uint8Array(chunkBytes);
    heldBytes = 0;
    return out;
  }

  function flush(): void {
    const out = take();
    if (out) options.send(out);
  }

  return {
    push(mulaw) {
      if (isQuietFrame(mulaw)) quietBytes += mulaw.length;
      else quietBytes = 0;
      if (quietBytes <= tailBytes) {
        if (heldBytes === 0) {
          options.send(mulaw);
          return;
        }
        hold(mulaw);
        flush();
        return;
      }
      hold(mulaw);
      if (heldBytes >= chunkBytes) flush();
    },
    flush,
    take,
  };
}
