/** Failures the simulated Deepgram can inject. Mutable at run time through `sim.setFaults`. */
export interface SimDeepgramFaults {
  /** Refuse /v1/listen upgrades with this HTTP status (401, 429, 503, ...). */
  connectStatus?: number;
  /** Terminate each live socket (no close frame) this long after it opened. */
  dropAfterMs?: number;
  /** Terminate each live socket when this many audio messages have arrived. */
  dropAfterFrames?: number;
  /** Hold back every final Results (and what follows it) by this long. */
  finalDelayMs?: number;
  /** Answer /v1/speak with this HTTP status and a Deepgram-style error body. */
  speakStatus?: number;
  /** Accept /v1/speak and never answer. */
  speakHang?: boolean;
  /** Wait this long before the response headers and first audio byte of /v1/speak. */
  speakFirstByteDelayMs?: number;
  /** Destroy the /v1/speak connection after sending this many bytes. */
  speakDropAfterBytes?: number;
}

export interface SimDeepgramStats {
  listenConnections: number;
  listenActive: number;
  listenRejected: number;
  audioBytes: number;
  /** Binary audio messages received: how finely the client chunks its audio. */
  audioMessages: number;
  keepAlives: number;
  finalizes: number;
  closeStreams: number;
  idleCloses: number;
  drops: number;
  unknownMessages: number;
  /** Query of the most recent accepted /v1/listen connection. */
  lastListenQuery: Record<string, string> | undefined;
  speakRequests: number;
  speakBytesSent: number;
  speakAborted: number;
  lastSpeakQuery: Record<string, string> | undefined;
  lastSpeakText: string | undefined;
}

export function emptyStats(): SimDeepgramStats {
  return {
    listenConnections: 0,
    listenActive: 0,
    listenRejected: 0,
    audioBytes: 0,
    audioMessages: 0,
    keepAlives: 0,
    finalizes: 0,
    closeStreams: 0,
    idleCloses: 0,
    drops: 0,
    unknownMessages: 0,
    lastListenQuery: undefined,
    speakRequests: 0,
    speakBytesSent: 0,
    speakAborted: 0,
    lastSpeakQuery: undefined,
    lastSpeakText: undefined,
  };
}
