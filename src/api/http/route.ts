import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Access, Actor } from '../auth/roles.ts';
import { ApiError, validationError } from './errors.ts';

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  req: FastifyRequest;
  reply: FastifyReply;
  /** Set on every route but public ones (the auth hook refused the request otherwise). */
  actor: Actor;
}

/** What a mutation records in the audit log once it succeeded. */
export interface AuditSpec<R> {
  action: string;
  target: (result: R) => string | undefined;
}

export interface RouteDef<P, Q, B, R> {
  method: Method;
  url: string;
  access: Access;
  summary: string;
  tag: string;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** Documented response body (OpenAPI); not enforced at run time. */
  response?: z.ZodType;
  /** Success status; 200 unless set. */
  status?: number;
  /** Extra content types accepted for the body, e.g. text/csv. */
  consumes?: string[];
  /** Replays of the same `Idempotency-Key` get the first response back (mutating POSTs). */
  idempotent?: boolean;
  audit?: AuditSpec<R>;
  /** Streams its own response (SSE): the handler owns `reply.raw`. */
  raw?: boolean;
  /** A stricter bucket of its own per API key (e.g. campaign start, replays that start workflows). */
  rateLimit?: { perMinute: number };
  /**
   * A text/csv body arrives as the request stream (`ctx.req.body`), never buffered whole; the
   * handler enforces its own size limit while reading (`streamedBody`). JSON bodies sent to such
   * a route still stop at the app's body limit.
   */
  streamBody?: boolean;
  handler(ctx: RouteContext<P, Q, B>): Promise<R>;
}

export interface RouteHooks {
  /** Wraps the handler of an idempotent route. */
  idempotency(ctx: RouteContext<unknown, unknown, unknown>, run: () => Promise<unknown>): Promise<unknown>;
  audit(
    ctx: RouteContext<unknown, unknown, unknown>,
    action: string,
    target: string | undefined,
  ): Promise<void>;
}

// biome-ignore lint/suspicious/noExplicitAny: a registry of heterogeneous route definitions
export type AnyRouteDef = RouteDef<any, any, any, any>;

/**
 * Registers routes from definitions that carry their zod schemas and allowed roles, so
 * validation, authorisation, audit and the OpenAPI document all come from one place.
 */
export class Router {
  readonly routes: AnyRouteDef[] = [];

  constructor(
    private readonly app: FastifyInstance,
    private readonly hooks: RouteHooks,
  ) {}

  add<P, Q, B, R>(def: RouteDef<P, Q, B, R>): void {
    this.routes.push(def);
    const hooks = this.hooks;
    this.app.route({
      method: def.method,
      url: def.url,
      config: {
        access: def.access,
        mutating: def.method !== 'GET',
        rateLimit: def.rateLimit,
        streamBody: def.streamBody,
      },
      handler: async (req, reply) => {
        const ctx: RouteContext<P, Q, B> = {
          params: parse('params', def.params, req.params),
          query: parse('query', def.query, req.query),
          body: parse('body', def.body, def.body ? req.body : undefined),
          req,
          reply,
          actor: req.actor as Actor,
        };
        if (def.status) reply.code(def.status);
        const run = async () => {
          const result = await def.handler(ctx);
          if (def.audit)
            await hooks.audit(
              ctx as RouteContext<unknown, unknown, unknown>,
              def.audit.action,
              def.audit.target(result),
            );
          return result;
        };
        const result = def.idempotent
          ? await hooks.idempotency(ctx as RouteContext<unknown, unknown, unknown>, run)
          : await run();
        if (def.raw) return reply;
        return result;
      },
    });
  }
}

function parse<T>(part: 'params' | 'query' | 'body', schema: z.ZodType<T> | undefined, value: unknown): T {
  if (!schema) return undefined as T;
  const parsed = schema.safeParse(value ?? (part === 'body' ? undefined : {}));
  if (!parsed.success) throw validationError(part, parsed.error);
  return parsed.data;
}

export function requireActor(ctx: { actor: Actor | undefined }): Actor {
  if (!ctx.actor) throw new ApiError(401, 'unauthenticated', 'an API key is required');
  return ctx.actor;
}
