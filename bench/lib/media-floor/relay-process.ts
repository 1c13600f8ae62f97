/**
 * bench:media-floor's process under test: the wire work of a realtime node and nothing else. Per
 * call it parses the caller's Twilio media frames (JSON, base64 μ-law), forwards the audio to an
 * "STT" WebSocket in messages of `FLOOR_STT_BATCH` frames, and, while outbound is on, sends one
 * Twilio media frame (JSON, base64) every 20 ms from one shared timer. No sessions, no vendors'
 * SDKs, no Temporal: what any Node `ws` realtime node pays on this machine at the very least.
 */
import { WebSocket, WebSocketServer } from 'ws';
import { serveParent } from '../child-node.ts';
import { Cleanup } from '../cleanup.ts';

const STT_URL = process.env.FLOOR_STT_URL as string;
const STT_BATCH = Number(process.env.FLOOR_STT_BATCH ?? 3);
const FRAME_BYTES = 160;
const AUDIO = Buffer.alloc(FRAME_BYTES * 50, 0xd5);

interface Call {
  socket: WebSocket;
  stt: WebSocket;
  streamSid: string;
  held: Buffer[];
  sent: number;
}

const cleanup = new Cleanup();
const calls = new Set<Call>();
let outbound = false;
let framesOut = 0;
let framesIn = 0;

const server = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 64 * 1024 });
cleanup.add('relay server', () => new Promise((r) => server.close(() => r(undefined))));
server.on('connection', (socket) => {
  let call: Call | undefined;
  socket.on('message', (data) => {
    const msg = JSON.parse(data.toString());
    if (msg.event === 'media' && call) {
      framesIn++;
      call.held.push(Buffer.from(msg.media.payload, 'base64'));
      if (call.held.length >= STT_BATCH && call.stt.readyState === WebSocket.OPEN) {
        call.stt.send(Buffer.concat(call.held));
        call.held = [];
      }
    } else if (msg.event === 'start') {
      call = { socket, stt: new WebSocket(STT_URL), streamSid: msg.start.streamSid, held: [], sent: 0 };
      calls.add(call);
    }
  });
  socket.on('close', () => {
    if (!call) return;
    calls.delete(call);
    call.stt.close();
  });
});

// One timer for every call's outbound frames, as the realtime node's shared pacing clock does.
const tick = setInterval(() => {
  if (!outbound) return;
  for (const call of calls) {
    const at = (call.sent++ % 50) * FRAME_BYTES;
    const payload = AUDIO.subarray(at, at + FRAME_BYTES).toString('base64');
    call.socket.send(JSON.stringify({ event: 'media', streamSid: call.streamSid, media: { payload } }));
    framesOut++;
  }
}, 20);
cleanup.add('tick', () => clearInterval(tick));

await new Promise((r) => server.once('listening', r));
const { port } = server.address() as { port: number };
const send = serveParent(cleanup, ({ type, id }) => {
  if (type === 'out-on' || type === 'out-off') outbound = type === 'out-on';
  const cpu = process.cpuUsage();
  return { type, id, cpuUs: cpu.user + cpu.system, calls: calls.size, framesIn, framesOut } as never;
});
send({ type: 'ready', voiceUrl: `ws://127.0.0.1:${port}` });
