import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The handler reads the text body as a stream (`streamedBody`); it is never buffered whole. */
    streamBody?: boolean;
  }
}

/**
 * CSV and plain-text bodies. Most routes get the text as one string within the body limit; a
 * route declaring `streamBody` gets the request stream itself, so a large upload flows into its
 * row reader and the handler enforces its own limit while reading (`streamedBody`).
 */
export function installTextBodies(app: FastifyInstance, defaultLimitBytes: number): void {
  app.addContentTypeParser(['text/csv', 'text/plain'], (req, payload, done) => {
    if (req.routeOptions.config?.streamBody) {
      done(null, payload);
      return;
    }
    readText(payload, req.routeOptions.bodyLimit ?? defaultLimitBytes).then(
      (text) => done(null, text),
      (err: Error) => done(err, undefined),
    );
  });
}

async function readText(payload: IncomingMessage, limitBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of streamedBody(payload, limitBytes)) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** The body's chunks, refusing (413) once more than `limitBytes` have arrived. */
export async function* streamedBody(
  payload: AsyncIterable<Buffer>,
  limitBytes: number,
): AsyncGenerator<Buffer> {
  let seen = 0;
  for await (const chunk of payload) {
    seen += chunk.length;
    if (seen > limitBytes) throw tooLarge(limitBytes);
    yield chunk;
  }
}

const tooLarge = (limitBytes: number) =>
  new ApiError(413, 'body_too_large', `request body is larger than ${limitBytes} bytes`);

/** The stream a `streamBody` route received, or a 400 when the body was not text. */
export function requestStream(body: unknown): AsyncIterable<Buffer> {
  if (body && typeof body === 'object' && Symbol.asyncIterator in body) return body as AsyncIterable<Buffer>;
  throw new ApiError(400, 'invalid_request', 'body: send the contacts as a text/csv body', 'body');
}
