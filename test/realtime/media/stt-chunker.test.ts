import { describe, expect, it } from 'vitest';
import { createSttChunker, isQuietFrame } from '../../../src/realtime/media/stt-chunker.ts';
import { FRAME_BYTES, MULAW_SILENCE, speechLike } from '../../../src/sim/audio.ts';

const quiet = (fill = MULAW_SILENCE) => new Uint8Array(FRAME_BYTES).fill(fill);
const loud = () => speechLike('hello').subarray(0, FRAME_BYTES);

function setup(promptTailMs = 100, quietChunkMs = 100) {
  const sent: Uint8Array[] = [];
  const chunker = createSttChunker({ send: (c) => sent.push(new Uint8Array(c)), promptTailMs, quietChunkMs });
  const pushed: Uint8Array[] = [];
  const push = (frame: Uint8Array) => {
    pushed.push(new Uint8Array(frame));
    chunker.push(frame);
  };
  const concat = (parts: Uint8Array[]) => Buffer.concat(parts.map((p) => Buffer.from(p)));
  return { chunker, sent, push, sameBytes: () => concat(sent).equals(concat(pushed)) };
}

describe('STT chunker', () => {
  it('tells line silence and faint noise from speech', () => {
    expect(isQuietFrame(quiet())).toBe(true);
    expect(isQuietFrame(quiet(0x7f))).toBe(true);
    // 0xe5 inverts to exponent 1: a sample of a few dozen units out of 32767, line noise.
    expect(isQuietFrame(quiet(0xe5))).toBe(true);
    expect(isQuietFrame(loud())).toBe(false);
    const oneClick = quiet();
    oneClick[80] = 0x20;
    expect(isQuietFrame(oneClick)).toBe(false);
  });

  it('sends quiet audio 100 ms per message, byte for byte', () => {
    const { sent, push, sameBytes } = setup();
    for (let i = 0; i < 12; i++) push(quiet());
    expect(sent.map((c) => c.length)).toEqual([800, 800]);
    push(quiet());
    push(quiet());
    push(quiet());
    expect(sent.map((c) => c.length)).toEqual([800, 800, 800]);
    expect(sameBytes()).toBe(true);
  });

  it('sends speech at once, with the quiet audio held before it, then frame by frame for the tail', () => {
    const { sent, push, chunker, sameBytes } = setup(100);
    push(quiet());
    push(quiet());
    expect(sent).toHaveLength(0);
    push(loud());
    // The held silence and the first speech frame leave together, in order.
    expect(sent.map((c) => c.length)).toEqual([480]);
    push(loud());
    expect(sent.at(-1)).toHaveLength(160);
    // 100 ms of tail: five quiet frames go out one by one (endpointing is timed on them).
    for (let i = 0; i < 5; i++) push(quiet());
    expect(sent.slice(-5).map((c) => c.length)).toEqual([160, 160, 160, 160, 160]);
    const before = sent.length;
    // Past the tail, quiet audio is held again.
    for (let i = 0; i < 4; i++) push(quiet());
    expect(sent).toHaveLength(before);
    chunker.flush();
    expect(sent.at(-1)).toHaveLength(640);
    expect(sameBytes()).toBe(true);
  });

  it('hands back held audio without sending it, and flush with nothing held sends nothing', () => {
    const { sent, push, chunker } = setup();
    push(quiet(0xfe));
    push(quiet(0xfe));
    expect([...(chunker.take() ?? [])]).toEqual([...quiet(0xfe), ...quiet(0xfe)]);
    expect(chunker.take()).toBeUndefined();
    chunker.flush();
    expect(sent).toHaveLength(0);
  });

  it('does not alias: a sent chunk keeps its bytes when more audio arrives', () => {
    const sent: Uint8Array[] = [];
    const chunker = createSttChunker({ send: (c) => sent.push(c), promptTailMs: 0, quietChunkMs: 40 });
    chunker.push(quiet(0xfe));
    chunker.push(quiet(0xfe));
    chunker.push(quiet(0xfd));
    chunker.push(quiet(0xfd));
    expect(sent).toHaveLength(2);
    expect(sent[0]?.every((b) => b === 0xfe)).toBe(true);
    expect(sent[1]?.every((b) => b === 0xfd)).toBe(true);
  });
});
