import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../logger.ts';
import { SAMPLE_RATE, speechLike } from '../audio.ts';
import { isAuthorized, SIMULATED_HEADER, sendJsonError } from './http-util.ts';
import type { SimDeepgramFaults, SimDeepgramStats } from './types.ts';

export interface SpeakConfig {
  apiKey: string | undefined;
  logger: Logger;
  stats: SimDeepgramStats;
  faults: () => SimDeepgramFaults;
  /** Bytes per body chunk; 1600 is 200 ms of mu-law. */
  chunkBytes: number;
  /** Pause between chunks, so streaming and abort can be observed. */
  chunkIntervalMs: number;
  msPerChar: number;
}

const MAX_BODY_BYTES = 64 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A 44-byte WAV header for 8 kHz mono mu-law: what Deepgram prepends unless container=none. */
function wavHeader(dataBytes: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVEfmt ', 8, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(7, 20); // format 7: mu-law
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(SAMPLE_RATE, 24);
  h.writeUInt32LE(SAMPLE_RATE, 28);
  h.writeUInt16LE(1, 32);
  h.writeUInt16LE(8, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

function checkQuery(query: URLSearchParams): string | undefined {
  const encoding = query.get('encoding');
  if (encoding !== 'mulaw')
    return `unsupported encoding "${encoding ?? '(default linear16)'}" (simulator: mulaw only)`;
  const rate = query.get('sample_rate') ?? '8000';
  if (rate !== '8000') return `unsupported sample_rate ${rate} (simulator: 8000 only)`;
  const container = query.get('container') ?? 'wav';
  if (container !== 'none' && container !== 'wav') return `unsupported container "${container}"`;
  return undefined;
}

async function parseText(req: IncomingMessage): Promise<string | undefined> {
  try {
    const body = JSON.parse(await readBody(req)) as { text?: unknown };
    return typeof body.text === 'string' && body.text.trim().length > 0 ? body.text : undefined;
  } catch {
    return undefined;
  }
}

/** POST /v1/speak (Aura REST): answers with `speechLike(text)` as mu-law, streamed in chunks. */
export async function handleSpeak(
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  requestId: string,
  c: SpeakConfig,
): Promise<void> {
  c.stats.speakRequests++;
  c.stats.lastSpeakQuery = Object.fromEntries(query.entries());
  const faults = c.faults();
  if (!isAuthorized(req.headers, c.apiKey)) return sendJsonError(res, 401, 'Invalid credentials.', requestId);
  const queryError = checkQuery(query);
  if (queryError) return sendJsonError(res, 400, queryError, requestId);
  const text = await parseText(req);
  if (!text) return sendJsonError(res, 400, 'body must be JSON with a non-empty "text"', requestId);
  c.stats.lastSpeakText = text;
  if (faults.speakStatus) return sendJsonError(res, faults.speakStatus, 'simulated failure', requestId);
  if (faults.speakHang) return; // the connection is destroyed when the client aborts or the sim closes
  if (faults.speakFirstByteDelayMs) await sleep(faults.speakFirstByteDelayMs);
  const audio = Buffer.from(speechLike(text, { msPerChar: c.msPerChar }));
  const body = query.get('container') === 'none' ? audio : Buffer.concat([wavHeader(audio.length), audio]);
  await streamBody(res, body, requestId, query.get('model') ?? 'aura-asteria-en', c, faults);
}

async function streamBody(
  res: ServerResponse,
  body: Buffer,
  requestId: string,
  model: string,
  c: SpeakConfig,
  faults: SimDeepgramFaults,
): Promise<void> {
  res.writeHead(200, {
    'content-type': 'audio/basic',
    'dg-request-id': requestId,
    'dg-model-name': model,
    'dg-char-count': String(c.stats.lastSpeakText?.length ?? 0),
    [SIMULATED_HEADER]: 'true',
  });
  let aborted = false;
  res.on('close', () => {
    if (!res.writableFinished) aborted = true;
  });
  for (let offset = 0; offset < body.length; offset += c.chunkBytes) {
    if (aborted || res.destroyed) {
      c.stats.speakAborted++;
      c.logger.debug({ requestId }, 'sim deepgram: speak aborted by client');
      return;
    }
    if (faults.speakDropAfterBytes !== undefined && offset >= faults.speakDropAfterBytes) {
      res.destroy();
      return;
    }
    const chunk = body.subarray(offset, offset + c.chunkBytes);
    c.stats.speakBytesSent += chunk.length;
    res.write(chunk);
    if (c.chunkIntervalMs > 0) await sleep(c.chunkIntervalMs);
    else await new Promise((resolve) => setImmediate(resolve));
  }
  res.end();
}
