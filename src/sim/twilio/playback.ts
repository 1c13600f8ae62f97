/**
 * The simulated phone's speaker: agent audio queued in arrival order with the marks between it,
 * played at 8000 bytes/s. Twilio echoes a mark once the audio queued before it has played, and
 * on `clear` drops what is unplayed and echoes every pending mark at once.
 */

type Item = { kind: 'audio'; bytes: Uint8Array; offset: number } | { kind: 'mark'; name: string };

export interface PlaybackStep {
  playedBytes: number;
  /** Marks whose preceding audio has now played, in order. */
  marks: string[];
}

export class Playback {
  private readonly items: Item[] = [];
  private queued = 0;

  /** Bytes of audio not yet played. */
  get queuedBytes(): number {
    return this.queued;
  }

  addAudio(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.items.push({ kind: 'audio', bytes, offset: 0 });
    this.queued += bytes.length;
  }

  /** Returns the marks to echo now: this one, if no audio is waiting ahead of it. */
  addMark(name: string): string[] {
    this.items.push({ kind: 'mark', name });
    return this.takeMarks();
  }

  /** Plays up to `maxBytes` of audio (one tick's worth). */
  play(maxBytes: number): PlaybackStep {
    let playedBytes = 0;
    const marks = this.takeMarks();
    while (playedBytes < maxBytes) {
      const head = this.items[0];
      if (head?.kind !== 'audio') break;
      const take = Math.min(maxBytes - playedBytes, head.bytes.length - head.offset);
      head.offset += take;
      playedBytes += take;
      if (head.offset === head.bytes.length) this.items.shift();
      marks.push(...this.takeMarks());
    }
    this.queued -= playedBytes;
    return { playedBytes, marks };
  }

  clear(): { droppedBytes: number; marks: string[] } {
    const droppedBytes = this.queued;
    const marks = this.items.flatMap((item) => (item.kind === 'mark' ? [item.name] : []));
    this.items.length = 0;
    this.queued = 0;
    return { droppedBytes, marks };
  }

  private takeMarks(): string[] {
    const marks: string[] = [];
    while (this.items[0]?.kind === 'mark') {
      marks.push((this.items.shift() as { name: string }).name);
    }
    return marks;
  }
}

/** Reads <Connect><Stream url> and its <Parameter>s from TwiML; enough XML for what we emit. */
export function readStreamTwiml(
  xml: string,
): { streamUrl: string; parameters: Record<string, string> } | undefined {
  const connect = /<Connect\b[^>]*>([\s\S]*?)<\/Connect>/.exec(xml)?.[1];
  if (!connect) return undefined;
  const stream = /<Stream\b([^>]*?)\/?>/.exec(connect);
  const streamUrl = stream ? attributes(stream[1] ?? '').url : undefined;
  if (!streamUrl) return undefined;
  const parameters: Record<string, string> = {};
  for (const match of connect.matchAll(/<Parameter\b([^>]*?)\/?>/g)) {
    const { name, value } = attributes(match[1] ?? '');
    if (name !== undefined) parameters[name] = value ?? '';
  }
  return { streamUrl, parameters };
}

function attributes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const match of text.matchAll(/([A-Za-z_:][\w:.-]*)\s*=\s*"([^"]*)"/g)) {
    out[match[1] as string] = unescapeXml(match[2] as string);
  }
  return out;
}

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&amp;/g, '&');
}
