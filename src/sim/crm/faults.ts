import type { FastifyReply } from 'fastify';

/**
 * Failure injection for the SIMULATED CRM. Every knob can change while the server runs, so a
 * test can open and close an outage or clear a rejected record before replaying it.
 */
export interface CrmFaultOptions {
  /** Share of requests (0..1) answered `errorStatus` at random. */
  errorRate?: number;
  errorStatus?: number;
  /** Sent as Retry-After (seconds) with injected 429/503 answers. */
  retryAfterSec?: number;
  /** Every request fails with 503 until this time (ms since the epoch). */
  outageUntilMs?: number;
  /** Requests carrying these idempotency keys are rejected with this status (e.g. 422). */
  rejectKeys?: Map<string, number>;
  /**
   * Keys whose next N writes are stored and then the connection is cut before the answer: the
   * "CRM accepted but the worker never heard" window.
   */
  dropAfterAccept?: Map<string, number>;
  latencyMs?: number;
  /** Seed of the error-rate dice, so a run can be repeated. */
  seed?: number;
}

export class CrmFaults {
  errorRate: number;
  errorStatus: number;
  retryAfterSec: number | undefined;
  outageUntilMs: number;
  readonly rejectKeys: Map<string, number>;
  readonly dropAfterAccept: Map<string, number>;
  latencyMs: number;
  private rng: () => number;
  injected = { random: 0, outage: 0, rejected: 0, dropped: 0 };

  constructor(options: CrmFaultOptions = {}) {
    this.errorRate = options.errorRate ?? 0;
    this.errorStatus = options.errorStatus ?? 503;
    this.retryAfterSec = options.retryAfterSec;
    this.outageUntilMs = options.outageUntilMs ?? 0;
    this.rejectKeys = options.rejectKeys ?? new Map();
    this.dropAfterAccept = options.dropAfterAccept ?? new Map();
    this.latencyMs = options.latencyMs ?? 0;
    this.rng = mulberry32(options.seed ?? 1);
  }

  /** Answers the request with an injected failure and returns true, or returns false. */
  async apply(reply: FastifyReply, key: string | undefined): Promise<boolean> {
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    if (Date.now() < this.outageUntilMs) {
      this.injected.outage += 1;
      this.fail(reply, 503, 'simulated outage');
      return true;
    }
    if (this.errorRate > 0 && this.rng() < this.errorRate) {
      this.injected.random += 1;
      this.fail(reply, this.errorStatus, 'simulated transient error');
      return true;
    }
    const rejectStatus = key ? this.rejectKeys.get(key) : undefined;
    if (rejectStatus) {
      this.injected.rejected += 1;
      reply.code(rejectStatus).send({ status: 'error', message: 'simulated rejection of this record', key });
      return true;
    }
    return false;
  }

  /** Called after a write was stored: true when the answer must be lost instead of sent. */
  takeDrop(key: string | undefined): boolean {
    const left = key ? (this.dropAfterAccept.get(key) ?? 0) : 0;
    if (!key || left <= 0) return false;
    this.dropAfterAccept.set(key, left - 1);
    this.injected.dropped += 1;
    return true;
  }

  private fail(reply: FastifyReply, status: number, message: string): void {
    if (this.retryAfterSec !== undefined && (status === 429 || status === 503)) {
      reply.header('retry-after', String(this.retryAfterSec));
    }
    reply.code(status).send({ status: 'error', message });
  }
}

/** Small seeded PRNG (public-domain mulberry32): the same seed gives the same failures. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
