import { z } from 'zod';
import type { AnyRouteDef } from './route.ts';

/**
 * The OpenAPI 3.1 document, generated from the same zod schemas that validate requests, so the
 * documentation cannot drift from what the server accepts.
 */
export function buildOpenApi(routes: readonly AnyRouteDef[], info: { version: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    paths[path] ??= {};
    (paths[path] as Record<string, unknown>)[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Switchboard admin API',
      version: info.version,
      description:
        'Errors: `{error:{status,code,message,field?,requestId}}`. Send the API key as `Authorization: Bearer sb_...`.',
    },
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'sb_<prefix>_<secret>' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['status', 'code', 'message', 'requestId'],
              properties: {
                status: { type: 'integer' },
                code: { type: 'string' },
                message: { type: 'string' },
                field: { type: 'string' },
                requestId: { type: 'string' },
              },
            },
          },
        },
      },
    },
    paths,
  };
}

function operation(route: AnyRouteDef) {
  const secured = route.access !== 'public';
  const op: Record<string, unknown> = {
    summary: route.summary,
    tags: [route.tag],
    operationId: `${route.method.toLowerCase()}${route.url.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
    responses: {
      [String(route.status ?? 200)]: {
        description: 'success',
        ...(route.response
          ? { content: { 'application/json': { schema: jsonSchema(route.response, 'output') } } }
          : {}),
      },
      default: {
        description: 'error',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      },
    },
  };
  if (secured) {
    op.security = [{ apiKey: [] }];
    op['x-roles'] = route.access;
  }
  if (route.idempotent) {
    (op.parameters as unknown[]).push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      schema: { type: 'string' },
      description:
        'A replay gets the first response back (header idempotent-replayed: true) without running again; ' +
        '422 idempotency_key_reused for a different request; 409 idempotency_key_in_use while the first is still running.',
    });
  }
  if (route.body || route.consumes) {
    const content: Record<string, unknown> = route.body
      ? { 'application/json': { schema: jsonSchema(route.body, 'input') } }
      : {};
    for (const type of route.consumes ?? []) content[type] = { schema: { type: 'string' } };
    op.requestBody = { required: true, content };
  }
  return op;
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const json = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: s,
  }));
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
}
