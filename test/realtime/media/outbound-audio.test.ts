import { describe, expect, it } from 'vitest';
import { createOutboundAudio, type PacerClock } from '../../../src/realtime/media/outbound-audio.ts';

const STREAM = 'MZtest';

/** A manual clock: timers fire only when the test advances time. */
function fakeClock() {
  let now = 0;
  let nextId = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const clock: PacerClock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = nextId++;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout: (id) => {
      timers.delete(id as number);
    },
  };
  function advance(ms: number) {
    const until = now + ms;
    for (;;) {
      const due = [...timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      timers.delete(due[0]);
      now = Math.max(now, due[1].at);
      due[1].fn();
    }
    now = until;
  }
  return { clock, advance, pending: () => timers.size };
}

type Sent = {
  at: number;
  frame: { event: string; streamSid: string; media?: { payload: string }; mark?: { name: string } };
};

function setup(leadMs = 100) {
  const { clock, advance, pending } = fakeClock();
  const sent: Sent[] = [];
  const audio = createOutboundAudio({
    streamSid: STREAM,
    leadMs,
    clock,
    send: (json) => sent.push({ at: clock.now(), frame: JSON.parse(json) }),
  });
  const media = () => sent.filter((s) => s.frame.event === 'media');
  const bytesOf = (s: Sent) => Buffer.from(s.frame.media?.payload ?? '', 'base64');
  return { audio, sent, media, bytesOf, advance, pending, clock };
}

describe('outbound audio pacer', () => {
  it('sends 160-byte frames no more than the lead ahead of playback, at 20 ms pace', () => {
    const { audio, media, bytesOf, advance } = setup(100);
    audio.enqueue('u1', new Uint8Array(1600).fill(7)); // 200 ms
    expect(media()).toHaveLength(5); // 100 ms lead = 5 frames up front
    for (let t = 0; t < 200; t += 10) {
      advance(10);
      // Sent audio never runs more than the lead ahead of the playback clock.
      expect(media().length * 20 - (t + 10)).toBeLessThanOrEqual(100);
    }
    expect(media()).toHaveLength(10);
    expect(media().every((s) => bytesOf(s).length === 160)).toBe(true);
    const gaps = media()
      .slice(5)
      .map((s, i) => s.at - (media()[i + 4] as Sent).at);
    expect(gaps.every((gap) => gap === 20)).toBe(true);
  });

  it('joins small chunks into frames and pads the last one when the utterance ends', () => {
    const { audio, media, bytesOf, sent } = setup(1000);
    audio.enqueue('u1', new Uint8Array(100).fill(1));
    expect(media()).toHaveLength(0);
    audio.enqueue('u1', new Uint8Array(100).fill(2));
    expect(media()).toHaveLength(1);
    audio.endUtterance('u1');
    expect(media()).toHaveLength(2);
    const last = bytesOf(media()[1] as Sent);
    expect(last.length).toBe(160);
    expect([...last.subarray(0, 40)].every((b) => b === 2)).toBe(true);
    expect([...last.subarray(40)].every((b) => b === 0xff)).toBe(true);
    expect(sent.at(-1)?.frame).toEqual({ event: 'mark', streamSid: STREAM, mark: { name: 'u1' } });
    expect(audio.bytesSent('u1')).toBe(200);
  });

  it('sends the mark only after all of its utterance audio', () => {
    const { audio, sent, advance } = setup(60);
    audio.enqueue('u1', new Uint8Array(800));
    audio.endUtterance('u1');
    audio.enqueue('u2', new Uint8Array(320));
    audio.endUtterance('u2');
    advance(1000);
    const order = sent.map((s) => (s.frame.event === 'mark' ? `mark:${s.frame.mark?.name}` : 'media'));
    expect(order).toEqual([...Array(5).fill('media'), 'mark:u1', 'media', 'media', 'mark:u2']);
    expect(audio.markPlayed('u1')).toEqual({ utteranceId: 'u1', fullyHeard: true });
    expect(audio.busy).toBe(true);
    audio.markPlayed('u2');
    expect(audio.busy).toBe(false);
  });

  it('clear drops queued audio, reports what was sent, and sends clear', () => {
    const { audio, sent, media, advance, pending } = setup(100);
    audio.enqueue('u1', new Uint8Array(1600));
    audio.endUtterance('u1');
    audio.enqueue('u2', new Uint8Array(800));
    advance(50);
    const sentBefore = media().length;
    const cut = audio.clear();
    expect(sent.at(-1)?.frame).toEqual({ event: 'clear', streamSid: STREAM });
    expect(cut).toEqual([
      {
        utteranceId: 'u1',
        sentBytes: sentBefore * 160,
        playedBytesEstimate: 400,
        droppedBytes: 1600 - sentBefore * 160,
      },
      { utteranceId: 'u2', sentBytes: 0, playedBytesEstimate: 0, droppedBytes: 800 },
    ]);
    expect(pending()).toBe(0);
    advance(1000);
    expect(media()).toHaveLength(sentBefore);
    // Twilio echoes pending marks after a clear; they do not mean the utterance was heard.
    expect(audio.markPlayed('u1')).toEqual({ utteranceId: 'u1', fullyHeard: false });
    audio.enqueue('u1', new Uint8Array(160));
    expect(media()).toHaveLength(sentBefore);
    audio.enqueue('u3', new Uint8Array(160));
    expect(media()).toHaveLength(sentBefore + 1);
  });

  it('estimates bytes played from the pacing clock', () => {
    const { audio, advance } = setup(200);
    audio.enqueue('u1', new Uint8Array(800)); // 100 ms, all sent at once
    expect(audio.bytesPlayedEstimate('u1')).toBe(0);
    advance(30);
    expect(audio.bytesPlayedEstimate('u1')).toBe(240);
    advance(200);
    expect(audio.bytesPlayedEstimate('u1')).toBe(800);
    expect(audio.bytesPlayedEstimate('unknown')).toBe(0);
  });

  it('restarts the playback clock after the queue ran dry', () => {
    const { audio, advance } = setup(200);
    audio.enqueue('u1', new Uint8Array(160));
    advance(500);
    audio.enqueue('u2', new Uint8Array(160));
    advance(10);
    expect(audio.bytesPlayedEstimate('u2')).toBe(80);
  });

  it('stops sending after close', () => {
    const { audio, media, advance, pending } = setup(40);
    audio.enqueue('u1', new Uint8Array(1600));
    audio.close();
    advance(1000);
    expect(media()).toHaveLength(2);
    expect(pending()).toBe(0);
  });
});
