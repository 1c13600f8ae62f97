/** The query parameters the simulated /v1/listen understands, parsed and checked. */
export interface ListenParams {
  model: string;
  language: string | undefined;
  encoding: 'mulaw';
  sampleRate: number;
  channels: number;
  interimResults: boolean;
  /** Silence in ms before a final with speech_final; false disables endpointing. */
  endpointingMs: number | false;
  utteranceEndMs: number | undefined;
  vadEvents: boolean;
  smartFormat: boolean;
  punctuate: boolean;
  raw: Record<string, string>;
}

export type ParseResult = { ok: true; params: ListenParams } | { ok: false; message: string };

/** Deepgram's default endpointing when the parameter is absent. */
const DEFAULT_ENDPOINTING_MS = 10;

function parseBool(value: string | null, name: string, fallback: boolean): boolean {
  if (value === null) return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new Error(`${name} must be true or false, got "${value}"`);
}

function parseIntParam(value: string | null, name: string): number | undefined {
  if (value === null) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return n;
}

function parseEndpointing(value: string | null): number | false {
  if (value === 'false') return false;
  if (value === 'true') return DEFAULT_ENDPOINTING_MS;
  return parseIntParam(value, 'endpointing') ?? DEFAULT_ENDPOINTING_MS;
}

/**
 * Raw audio needs both encoding and sample_rate (protocols.md 2.1). The sim only decodes
 * G.711 mu-law at 8 kHz mono, which is all Twilio sends, so anything else is refused with 400
 * rather than transcribed wrongly.
 */
export function parseListenParams(query: URLSearchParams): ParseResult {
  try {
    const encoding = query.get('encoding');
    const sampleRate = parseIntParam(query.get('sample_rate'), 'sample_rate');
    if (encoding === null) throw new Error('encoding is required (the simulator accepts raw mulaw only)');
    if (encoding !== 'mulaw') throw new Error(`unsupported encoding "${encoding}" (simulator: mulaw only)`);
    if (sampleRate === undefined) throw new Error('sample_rate is required with encoding');
    if (sampleRate !== 8000) throw new Error(`unsupported sample_rate ${sampleRate} (simulator: 8000 only)`);
    const channels = parseIntParam(query.get('channels'), 'channels') ?? 1;
    if (channels !== 1) throw new Error(`unsupported channels ${channels} (simulator: mono only)`);
    const params: ListenParams = {
      model: query.get('model') ?? 'base',
      language: query.get('language') ?? undefined,
      encoding,
      sampleRate,
      channels,
      interimResults: parseBool(query.get('interim_results'), 'interim_results', false),
      endpointingMs: parseEndpointing(query.get('endpointing')),
      utteranceEndMs: parseIntParam(query.get('utterance_end_ms'), 'utterance_end_ms'),
      vadEvents: parseBool(query.get('vad_events'), 'vad_events', false),
      smartFormat: parseBool(query.get('smart_format'), 'smart_format', false),
      punctuate: parseBool(query.get('punctuate'), 'punctuate', false),
      raw: Object.fromEntries(query.entries()),
    };
    return { ok: true, params };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}
