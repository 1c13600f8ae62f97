import { createHash, randomUUID } from 'node:crypto';
import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from '../logger.ts';

/**
 * Applies `prisma/migrations/<name>/migration.sql` at start-up exactly as `prisma migrate deploy`
 * does, so the two stay interchangeable: a database migrated here passes `prisma migrate status`,
 * and one migrated by Prisma is a no-op here. The app thus never needs the Prisma CLI at run time
 * (offline, its migrate commands only work through the patched adapter in scripts/).
 *
 * Prisma's protocol, followed step by step: a session advisory lock (72707369) serialises
 * migrators; `_prisma_migrations` has Prisma's exact columns; each migration gets a row (uuid,
 * sha256 hex of the file's bytes, name), then runs as one simple query (so Postgres runs the file
 * in one implicit transaction unless it manages its own), then gets `applied_steps_count = 1` and
 * `finished_at`. A failure writes `logs` and stops. A row that never finished and was not rolled
 * back (`prisma migrate resolve --rolled-back`) blocks every later run until someone looks at it.
 */

/** Prisma's advisory lock key: a migrator here and `prisma migrate deploy` exclude each other. */
const PRISMA_MIGRATE_LOCK_KEY = 72707369;

export interface ApplyMigrationsOptions {
  connectionString: string;
  migrationsDir: string;
  logger: Logger;
  /** How long to wait for another migrator's lock before failing. */
  lockTimeoutMs?: number;
}

export interface ApplyMigrationsResult {
  /** Names of the migrations this run applied, in order. */
  applied: string[];
  /** How many local migrations were already applied before this run. */
  alreadyApplied: number;
}

/** A migration failed, or an earlier failure blocks migrating; the message names the migration. */
export class MigrationError extends Error {
  override name = 'MigrationError';
  constructor(
    message: string,
    readonly migrationName: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

interface LocalMigration {
  name: string;
  script: string;
  checksum: string;
  bytes: Buffer;
}

interface MigrationRow {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  started_at: Date;
}

// Prisma's own DDL for the table (schema engine, postgres flavour).
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export async function applyMigrations(options: ApplyMigrationsOptions): Promise<ApplyMigrationsResult> {
  const { connectionString, migrationsDir, logger } = options;
  const local = await readLocalMigrations(migrationsDir);
  const client = new pg.Client({ connectionString, application_name: 'switchboard-migrator' });
  // A dropped connection mid-run surfaces as the failing query's error; this only stops an
  // idle-connection error from crashing the process.
  client.on('error', (err) => logger.warn({ err }, 'migrator connection error'));
  await client.connect();
  try {
    await acquireLock(client, logger, options.lockTimeoutMs ?? 60_000);
    try {
      return await migrate(client, local, logger);
    } finally {
      await releaseLock(client, logger);
    }
  } finally {
    await client
      .end()
      .catch((err: unknown) => logger.warn({ err }, 'closing the migrator connection failed'));
  }
}

async function migrate(
  client: pg.Client,
  local: LocalMigration[],
  logger: Logger,
): Promise<ApplyMigrationsResult> {
  await client.query(CREATE_MIGRATIONS_TABLE);
  const rows = (
    await client.query<MigrationRow>(
      'SELECT id, checksum, migration_name, finished_at, rolled_back_at, started_at FROM "_prisma_migrations" ORDER BY started_at',
    )
  ).rows;
  refuseIfFailedMigration(rows);
  const done = new Map(
    rows.filter((r) => r.finished_at && !r.rolled_back_at).map((r) => [r.migration_name, r]),
  );
  warnAboutDrift(local, done, logger);

  const pending = local.filter((m) => !done.has(m.name));
  const applied: string[] = [];
  for (const migration of pending) {
    await applyOne(client, migration, logger);
    applied.push(migration.name);
  }
  const alreadyApplied = local.length - pending.length;
  logger.info(
    { applied, alreadyApplied },
    applied.length ? 'database migrated' : 'database schema up to date',
  );
  return { applied, alreadyApplied };
}

async function acquireLock(client: pg.Client, logger: Logger, lockTimeoutMs: number): Promise<void> {
  const tried = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
    PRISMA_MIGRATE_LOCK_KEY,
  ]);
  if (tried.rows[0]?.locked) return;
  logger.info({ lockTimeoutMs }, 'another process is migrating this database; waiting for it');
  // lock_timeout bounds the wait for advisory locks too; reset so it cannot leak into migrations.
  await client.query(`SET lock_timeout = ${Math.max(1, Math.trunc(lockTimeoutMs))}`);
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK_KEY]);
  } catch (err) {
    throw new Error(`timed out after ${lockTimeoutMs} ms waiting for the migration lock`, { cause: err });
  } finally {
    await client.query('RESET lock_timeout');
  }
}

// Never masks the error that ended the run; closing the session releases the lock anyway.
async function releaseLock(client: pg.Client, logger: Logger): Promise<void> {
  try {
    await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK_KEY]);
  } catch (err) {
    logger.warn({ err }, 'releasing the migration lock failed');
  }
}

function refuseIfFailedMigration(rows: MigrationRow[]): void {
  const failed = rows.find((r) => !r.finished_at && !r.rolled_back_at);
  if (!failed) return;
  throw new MigrationError(
    `migration ${failed.migration_name} started at ${failed.started_at.toISOString()} failed earlier; ` +
      'new migrations will not be applied until it is resolved. Read its logs in _prisma_migrations, ' +
      `repair the database, then run \`prisma migrate resolve --rolled-back ${failed.migration_name}\` ` +
      `(or --applied if you finished it by hand).`,
    failed.migration_name,
  );
}

function warnAboutDrift(local: LocalMigration[], done: Map<string, MigrationRow>, logger: Logger): void {
  const localNames = new Set(local.map((m) => m.name));
  for (const migration of local) {
    const row = done.get(migration.name);
    if (row && !checksumMatches(migration.bytes, row.checksum)) {
      logger.warn(
        { migration: migration.name, recorded: row.checksum, current: migration.checksum },
        'an applied migration was edited after it ran; the database keeps the old version',
      );
    }
  }
  const unknown = [...done.keys()].filter((name) => !localNames.has(name));
  if (unknown.length > 0) {
    logger.warn(
      { migrations: unknown },
      'the database has migrations this code does not know (is it older?)',
    );
  }
}

/** Like Prisma, accept a file whose line endings changed (git autocrlf) since it was applied. */
function checksumMatches(bytes: Buffer, recorded: string): boolean {
  const text = bytes.toString('utf8');
  const variants = [
    bytes,
    Buffer.from(text.replace(/\r\n/g, '\n')),
    Buffer.from(text.replace(/\r?\n/g, '\r\n')),
  ];
  return variants.some((variant) => sha256(variant) === recorded);
}

async function applyOne(client: pg.Client, migration: LocalMigration, logger: Logger): Promise<void> {
  const id = randomUUID();
  await client.query(
    `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
     VALUES ($1, $2, $3, now(), 0)`,
    [id, migration.checksum, migration.name],
  );
  const started = performance.now();
  try {
    // No parameters: pg sends the whole file as one simple Query message, as Prisma does.
    await client.query(migration.script);
  } catch (err) {
    const logs = formatFailure(migration.name, err);
    await client.query('UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1', [id, logs]);
    logger.error({ migration: migration.name, err }, 'migration failed');
    throw new MigrationError(`migration ${migration.name} failed: ${errorMessage(err)}`, migration.name, {
      cause: err,
    });
  }
  await client.query(
    `UPDATE "_prisma_migrations" SET applied_steps_count = applied_steps_count + 1, finished_at = now()
     WHERE id = $1`,
    [id],
  );
  logger.info(
    { migration: migration.name, ms: Math.round(performance.now() - started) },
    'migration applied',
  );
}

/** The same shape Prisma writes to `logs`, so either tool's failures read alike. */
function formatFailure(name: string, err: unknown): string {
  const e = err as Partial<pg.DatabaseError>;
  const lines = [`A migration failed to apply.`, '', `Migration name: ${name}`, ''];
  if (e.code) lines.push(`Database error code: ${e.code}`, '');
  lines.push('Database error:', `${e.severity ?? 'ERROR'}: ${errorMessage(err)}`);
  if (e.detail) lines.push(`DETAIL: ${e.detail}`);
  if (e.hint) lines.push(`HINT: ${e.hint}`);
  if (e.position) lines.push('', `Position: character ${e.position} of migration.sql`);
  return lines.join('\n');
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Every `<dir>/<name>/migration.sql`, sorted by name as Prisma sorts them. */
async function readLocalMigrations(migrationsDir: string): Promise<LocalMigration[]> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(migrationsDir, { withFileTypes: true });
  } catch (err) {
    throw new Error(`cannot read the migrations directory ${migrationsDir}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name);
  names.sort();
  return Promise.all(
    names.map(async (name) => {
      const file = path.join(migrationsDir, name, 'migration.sql');
      const bytes = await fs.readFile(file).catch((err: unknown) => {
        throw new MigrationError(
          `migration ${name} has no readable migration.sql: ${errorMessage(err)}`,
          name,
        );
      });
      return { name, bytes, script: bytes.toString('utf8'), checksum: sha256(bytes) };
    }),
  );
}
