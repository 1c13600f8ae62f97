import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodError } from 'zod';
import { CampaignNotFoundError, CampaignStateError, CampaignValidationError } from '../../domain/errors.ts';

/**
 * The one error shape the admin API answers with: `{error:{status,code,message,field?,requestId}}`.
 * Handlers throw ApiError; anything else is an internal error whose details stay in the log.
 */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly headers?: Record<string, string>,
    /** Extra members of the error object (e.g. a campaign's per-row `issues`). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);
export const conflict = (message: string, field?: string) => new ApiError(409, 'conflict', message, field);

/** A zod failure as a 400 naming the first offending field (`body.phone`, `query.limit`). */
export function validationError(part: 'params' | 'query' | 'body', err: ZodError): ApiError {
  const issue = err.issues[0];
  const field = [part, ...(issue?.path ?? []).map(String)].join('.');
  return new ApiError(400, 'invalid_request', `${field}: ${issue?.message ?? 'invalid'}`, field);
}

export interface ErrorBody {
  error: {
    status: number;
    code: string;
    message: string;
    field?: string;
    requestId: string;
    [detail: string]: unknown;
  };
}

export function errorBody(req: FastifyRequest, err: ApiError): ErrorBody {
  const error: ErrorBody['error'] = {
    ...err.details,
    status: err.status,
    code: err.code,
    message: err.message,
    requestId: req.id,
  };
  if (err.field) error.field = err.field;
  return { error };
}

/** Fastify's own 4xx (bad JSON, body too large, unsupported media type) mapped to stable codes. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_request',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
};

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const domain = fromDomainError(err);
  if (domain) return domain;
  const fe = err as Partial<FastifyError>;
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code =
      (fe.code && FASTIFY_CODES[fe.code]) ?? (fe.statusCode === 413 ? 'body_too_large' : 'invalid_request');
    // Body parse errors from secure-json-parse carry a short, safe message ("Unexpected token").
    const message =
      fe.statusCode === 400 ? `body: ${fe.message ?? 'invalid'}` : (fe.message ?? 'bad request');
    return new ApiError(fe.statusCode, code, message, fe.statusCode === 400 ? 'body' : undefined);
  }
  return new ApiError(500, 'internal', 'internal error');
}

export function errorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply) {
  const apiError = toApiError(err);
  // 5xx bodies never carry internals: the log has them, keyed by the request id.
  if (apiError.status >= 500) req.log.error({ err }, 'request failed');
  if (apiError.headers) reply.headers(apiError.headers);
  return reply.code(apiError.status).send(errorBody(req, apiError));
}

/** Campaign service errors: refused campaigns list every offending row and field. */
function fromDomainError(err: unknown): ApiError | undefined {
  if (err instanceof CampaignValidationError) {
    return new ApiError(422, 'campaign_invalid', err.message, undefined, undefined, {
      issues: err.issues,
      issueCount: err.issueCount,
    });
  }
  if (err instanceof CampaignNotFoundError) return new ApiError(404, 'not_found', 'campaign not found');
  if (err instanceof CampaignStateError) return new ApiError(409, 'conflict', err.message);
  return undefined;
}
