import type { IncomingHttpHeaders } from 'node:http';

/** What a script matcher can look at to decide which caller a live connection belongs to. */
export interface SimListenRequest {
  /** 1-based connection number, in the order the sim accepted them. */
  connectionId: number;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}

export type ScriptMatcher = (request: SimListenRequest) => boolean;

/**
 * The texts the simulated recogniser "hears". The sim cannot understand tone-burst audio, so the
 * caller and the sim agree on a script: each detected utterance takes the next text from the queue
 * of the first matcher that claims the connection, or from the default queue. Queues are shared
 * objects, so a session that reconnects mid-call keeps consuming the same script.
 */
export class ScriptRegistry {
  private readonly defaultQueue: string[];
  private readonly keyed: { match: ScriptMatcher; queue: string[] }[] = [];

  constructor(
    initial: readonly string[],
    private readonly fallbackText: string,
  ) {
    this.defaultQueue = [...initial];
  }

  enqueue(texts: readonly string[]): void {
    this.defaultQueue.push(...texts);
  }

  scriptFor(match: ScriptMatcher, texts: readonly string[]): void {
    this.keyed.push({ match, queue: [...texts] });
  }

  /** A function handing out the connection's next utterance text, or the fallback when the script ran out. */
  textSourceFor(request: SimListenRequest): () => string {
    const queue = this.keyed.find((entry) => entry.match(request))?.queue ?? this.defaultQueue;
    return () => queue.shift() ?? this.fallbackText;
  }
}
