import { z } from 'zod';
import type { PrismaClient, Turn } from '../../db/client.ts';
import { READERS } from '../auth/roles.ts';
import { ApiError } from '../http/errors.ts';
import type { Router } from '../http/route.ts';
import type { CallEvent, CallEventFeed } from '../live/call-events.ts';
import { mustExist, uuid } from './schemas.ts';

export interface LiveRoutesDeps {
  prisma: PrismaClient;
  callEvents?: CallEventFeed;
  /** Comment lines keep proxies from closing an idle stream; not a database poll. */
  keepAliveMs?: number;
}

/**
 * `GET /api/v1/calls/:id/live`: Server-Sent Events of a call's turns as they are stored. Each
 * event's id is the turn's sequence, so a client reconnecting with `Last-Event-ID` resumes after
 * the last turn it saw. The stream ends with an `end` event when the call ends.
 *
 * Order of operations avoids both gaps and polling: subscribe to notifications first, then send
 * the turns already stored, then the notified ones; a turn seen both ways is sent once
 * (sequence filter).
 */
export function callLiveRoutes(r: Router, deps: LiveRoutesDeps): void {
  r.add({
    method: 'GET',
    url: '/api/v1/calls/:id/live',
    access: READERS,
    tag: 'calls',
    summary: 'Live transcript as Server-Sent Events (event "turn", then "end" when the call ends)',
    params: z.strictObject({ id: uuid }),
    query: z.strictObject({ after: z.coerce.number().int().min(-1).optional() }),
    raw: true,
    handler: async ({ params, query, req, reply }) => {
      const feed = deps.callEvents;
      if (!feed) throw new ApiError(503, 'unavailable', 'live transcripts are not configured on this node');
      const call = mustExist(
        await deps.prisma.call.findUnique({ where: { id: params.id }, select: { id: true } }),
        'call',
      );
      const lastEventId = Number.parseInt(String(req.headers['last-event-id'] ?? ''), 10);
      const stream = new TurnStream(
        deps.prisma,
        call.id,
        Number.isFinite(lastEventId) ? lastEventId : (query.after ?? -1),
      );
      const unsubscribe = await feed
        .subscribe(call.id, (event) => stream.onEvent(event))
        .catch((err: unknown) => {
          req.log.warn({ err }, 'cannot listen for call events');
          throw new ApiError(503, 'unavailable', 'live transcripts are unavailable right now', undefined, {
            'retry-after': '5',
          });
        });
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), deps.keepAliveMs ?? 15_000);
      const finish = () => {
        clearInterval(keepAlive);
        unsubscribe();
        if (!raw.writableEnded) raw.end();
      };
      raw.on('close', finish);
      stream.start(
        (chunk) => raw.write(chunk),
        finish,
        (err) => {
          req.log.error({ err }, 'live transcript stream failed');
          finish();
        },
      );
    },
  });
}

/** Serialises reads so events are written in order, and drops turns already sent. */
class TurnStream {
  private chain: Promise<void> = Promise.resolve();
  private pending: CallEvent[] = [];
  private started = false;
  private done = false;
  private write: (chunk: string) => void = () => {};
  private end: () => void = () => {};
  private fail: (err: unknown) => void = () => {};

  constructor(
    private readonly prisma: PrismaClient,
    private readonly callId: string,
    private lastSequence: number,
  ) {}

  onEvent(event: CallEvent): void {
    if (!this.started) this.pending.push(event);
    else this.enqueue(() => this.handle(event));
  }

  start(write: (chunk: string) => void, end: () => void, fail: (err: unknown) => void): void {
    this.write = write;
    this.end = end;
    this.fail = fail;
    this.started = true;
    this.enqueue(() => this.catchUp());
    for (const event of this.pending.splice(0)) this.enqueue(() => this.handle(event));
  }

  private enqueue(step: () => Promise<void>): void {
    this.chain = this.chain
      .then(() => (this.done ? undefined : step()))
      .catch((err: unknown) => {
        this.done = true;
        this.fail(err);
      });
  }

  private async catchUp(): Promise<void> {
    const turns = await this.prisma.turn.findMany({
      where: { callId: this.callId, sequence: { gt: this.lastSequence } },
      orderBy: { sequence: 'asc' },
    });
    for (const turn of turns) this.send(turn);
    const call = await this.prisma.call.findUnique({ where: { id: this.callId }, select: { endedAt: true } });
    if (!call || call.endedAt) this.close();
  }

  private async handle(event: CallEvent): Promise<void> {
    if (event.type === 'ended') return this.catchUp().then(() => this.close());
    // A lost connection may have dropped notifications: resync from the table, then close so
    // the client reconnects (with Last-Event-ID) onto a fresh subscription.
    if (event.type === 'lost') return this.catchUp().then(() => this.close());
    if (event.sequence <= this.lastSequence) return;
    // Catch up rather than read one row: a turn committed out of order is not skipped.
    await this.catchUp();
  }

  private send(turn: Turn): void {
    if (turn.sequence <= this.lastSequence) return;
    this.lastSequence = turn.sequence;
    const data = {
      sequence: turn.sequence,
      role: turn.role,
      heardText: turn.heardText,
      generatedText: turn.generatedText,
      interrupted: turn.interrupted,
      toolCalls: turn.toolCalls,
      createdAt: turn.createdAt,
    };
    this.write(`id: ${turn.sequence}\nevent: turn\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private close(): void {
    if (this.done) return;
    this.done = true;
    this.write('event: end\ndata: {}\n\n');
    this.end();
  }
}
