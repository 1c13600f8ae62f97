import { PrismaPg } from '@prisma/adapter-pg';
import { defineConfig } from 'prisma/config';

// Prisma CLI configuration. `engine: 'js'` with a driver adapter makes the 6.x CLI use its bundled
// WASM schema engine instead of downloading a native one, so `generate`, `migrate diff` and
// `db execute` run offline (see /work/shared/docs/offline-build.md). `migrate deploy|dev` do not
// work through adapter-pg 6.19.3; the app applies migrations itself (src/db/migrator.ts).
//
// This file is read by the Prisma CLI only, which conventionally takes DATABASE_URL from the
// environment; the app reads its configuration through src/config.ts.
const databaseUrl = process.env.DATABASE_URL;
// The schema's `env("DATABASE_URL")` must resolve even for commands that never connect
// (`generate`): when it does not, the 6.x CLI silently falls back to downloading a native query
// engine, which fails offline. Commands that do connect still get the real value or an error.
process.env.DATABASE_URL ??= 'postgresql://unset@127.0.0.1:1/unset';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  async adapter() {
    if (!databaseUrl) throw new Error('DATABASE_URL must be set for Prisma CLI commands that connect');
    return new PrismaPg({ connectionString: databaseUrl });
  },
});
