import os from 'node:os';
import type { Logger } from '../logger.ts';

/** The database surface activities need; a Prisma client satisfies it. */
export interface ActivityDatabase {
  $queryRaw<T = unknown>(query: TemplateStringsArray, ...values: unknown[]): Promise<T>;
}

export interface ActivityDeps {
  db: ActivityDatabase;
  logger: Logger;
}

/** Builds every activity from its dependencies; the worker passes real ones, tests may pass fakes. */
export function createActivities(deps: ActivityDeps) {
  return {
    async readDatabaseTime(): Promise<string> {
      const rows = await deps.db.$queryRaw<{ now: Date }[]>`SELECT now() AS now`;
      const now = rows[0]?.now;
      if (!now) throw new Error('database returned no time');
      return new Date(now).toISOString();
    },
    async describeWorker(): Promise<string> {
      return `${os.hostname()}:${process.pid}`;
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
