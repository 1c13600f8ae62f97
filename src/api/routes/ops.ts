import type { Registry } from 'prom-client';
import { READERS } from '../auth/roles.ts';
import { buildOpenApi } from '../http/openapi.ts';
import type { Router } from '../http/route.ts';
import { DOCS_HTML, DOCS_SCRIPT } from './docs-page.ts';

export interface OpsRoutesDeps {
  metrics: Registry;
  /** Prometheus often scrapes without credentials; opt in to a public /metrics. */
  metricsPublic: boolean;
  version: string;
}

export function opsRoutes(r: Router, deps: OpsRoutesDeps): void {
  r.add({
    method: 'GET',
    url: '/metrics',
    access: deps.metricsPublic ? 'public' : READERS,
    tag: 'operations',
    summary: 'Prometheus metrics',
    handler: async ({ reply }) => {
      reply.type(deps.metrics.contentType);
      return deps.metrics.metrics();
    },
  });
  r.add({
    method: 'GET',
    url: '/api/v1/openapi.json',
    access: READERS,
    tag: 'operations',
    summary: 'This OpenAPI document',
    // Built on request from the router, so it lists every route, including this one.
    handler: async () => buildOpenApi(r.routes, { version: deps.version }),
  });
  // The docs page is a static shell with no data: it asks for a key and fetches the document
  // above with it, so it can be public without exposing anything.
  r.add({
    method: 'GET',
    url: '/api/v1/docs',
    access: 'public',
    tag: 'operations',
    summary: 'Interactive API documentation (HTML)',
    handler: async ({ reply }) => {
      reply.type('text/html; charset=utf-8');
      reply.header(
        'content-security-policy',
        "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
      );
      return DOCS_HTML;
    },
  });
  r.add({
    method: 'GET',
    url: '/api/v1/docs/app.js',
    access: 'public',
    tag: 'operations',
    summary: 'Script of the documentation page',
    handler: async ({ reply }) => {
      reply.type('text/javascript; charset=utf-8');
      return DOCS_SCRIPT;
    },
  });
}
