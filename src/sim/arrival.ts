import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * When each request's headers arrived (performance.now). A simulator records how long after the
 * arrival it wrote its first token or byte: that whole span (its request handling, the injected
 * delay and its own timer lateness) is the simulated vendor's time, which a benchmark must not
 * count as the client's overhead.
 */
export function trackArrivals(app: FastifyInstance): (request: FastifyRequest) => number {
  const arrivals = new WeakMap<object, number>();
  app.addHook('onRequest', (request, _reply, done) => {
    arrivals.set(request.raw, performance.now());
    done();
  });
  return (request) => arrivals.get(request.raw) ?? performance.now();
}
