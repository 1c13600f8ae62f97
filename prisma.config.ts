import { defineConfig } from 'prisma/config';
import { PrismaCliPg } from './scripts/db-cli-adapter.ts';

// Prisma CLI configuration. `engine: 'js'` with a driver adapter makes the 6.x CLI use its bundled
// WASM schema engine instead of downloading a native one, so it runs offline (see
// /work/shared/docs/offline-build.md). The adapter is adapter-pg with the fixes its migrate path
// needs (scripts/db-cli-adapter.ts). The app does not use the CLI at run time: it applies
// migrations itself (src/db/migrator.ts).
//
// This file is read by the Prisma CLI only, which conventionally takes DATABASE_URL from the
// environment; the app reads its configuration through src/config.ts.

const databaseUrl = process.env.DATABASE_URL;
// The schema's `env("DATABASE_URL")` must resolve even for commands that never connect
// (`generate`): when it does not, the 6.x CLI silently falls back to downloading a native query
// engine, which fails offline. Commands that connect still get the real value or a clear error.
process.env.DATABASE_URL ??= 'postgresql://unset@127.0.0.1:1/unset';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  adapter: async () => new PrismaCliPg(databaseUrl),
});
