import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** Every simulated response carries this header so a recording can never pass for the real service. */
export const SIMULATED_HEADER = 'dg-simulated';

/**
 * Deepgram accepts `Authorization: Token <key>` (or `Bearer <jwt>`), and from browsers the
 * `Sec-WebSocket-Protocol: token, <key>` form (protocols.md 2.1). Returns the credential found.
 */
export function credentialFrom(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  if (auth) {
    const match = /^(token|bearer)\s+(\S+)$/i.exec(auth.trim());
    return match?.[2];
  }
  const protocols = (headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  if (protocols.length >= 2 && (protocols[0] === 'token' || protocols[0] === 'bearer')) return protocols[1];
  return undefined;
}

export function isAuthorized(headers: IncomingHttpHeaders, apiKey: string | undefined): boolean {
  const credential = credentialFrom(headers);
  if (!credential) return false;
  return apiKey === undefined || credential === apiKey;
}

export function errorBody(status: number, message: string, requestId: string): string {
  const code = status === 401 ? 'INVALID_AUTH' : status === 429 ? 'TOO_MANY_REQUESTS' : `SIM_${status}`;
  return JSON.stringify({ err_code: code, err_msg: message, request_id: requestId });
}

/** Refuses a WebSocket upgrade with a plain HTTP response, as Deepgram does for bad auth or params. */
export function rejectUpgrade(socket: Duplex, status: number, message: string, requestId: string): void {
  const body = errorBody(status, message, requestId);
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `dg-request-id: ${requestId}`,
    `dg-error: ${message.replace(/[\r\n]/g, ' ')}`,
    `${SIMULATED_HEADER}: true`,
    'Connection: close',
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}

export function sendJsonError(res: ServerResponse, status: number, message: string, requestId: string): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'dg-request-id': requestId,
    [SIMULATED_HEADER]: 'true',
  });
  res.end(errorBody(status, message, requestId));
}
