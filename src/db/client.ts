import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client.ts';

/**
 * The one door to the database for the rest of the code: import the client, model types
 * (`Call`, `Turn`, ...), enums (`CallStatus`, ...) and the `Prisma` namespace from here, never
 * from `./generated` (rebuilt by `npm run db:generate`, not committed). Workflow code may only
 * `import type` from here; it takes enum values from `./enums.ts`, which has no runtime.
 */
export * from './generated/client.ts';

export interface CreatePrismaOptions {
  connectionString: string;
  /** pg pool size; against the embedded database, at most its `maxConnections`. */
  poolMax: number;
}

/**
 * A Prisma client that talks to Postgres through node-postgres (`@prisma/adapter-pg`): no native
 * engine, the same path for a real server and the embedded one. Close it with `$disconnect()`.
 */
export function createPrisma(options: CreatePrismaOptions): PrismaClient {
  const adapter = new PrismaPg({
    connectionString: options.connectionString,
    max: options.poolMax,
    // pg waits forever for a connection by default; an unreachable host should fail a request.
    connectionTimeoutMillis: 10_000,
  });
  return new PrismaClient({ adapter });
}

/** Resolves when the database answers a query; throws the driver's error otherwise. */
export async function pingDatabase(prisma: PrismaClient): Promise<void> {
  await prisma.$queryRaw`SELECT 1`;
}
