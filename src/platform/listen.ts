import type { FastifyInstance } from 'fastify';
import { StartupError } from '../domain/errors.ts';

/** Listens and returns the bound URL; a taken port becomes a clear StartupError naming the setting. */
export async function listenOn(
  app: FastifyInstance,
  host: string,
  port: number,
  setting: string,
): Promise<string> {
  try {
    await app.listen({ host, port });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new StartupError(
        `port ${port} on ${host} is already in use (${setting}); free it or set ${setting}`,
      );
    }
    throw err;
  }
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return `http://${host}:${bound}`;
}
