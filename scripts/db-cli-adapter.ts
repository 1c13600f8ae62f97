import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';

/**
 * The driver adapter the Prisma CLI uses (prisma.config.ts), never the app. With `engine: 'js'`
 * the 6.19 CLI runs its WASM schema engine through this adapter, which is what lets it work
 * offline. Stock @prisma/adapter-pg 6.19.3 breaks the migrate commands in four ways, fixed here:
 *
 * - it rejects Postgres's internal `name` (OID 19) catalog columns ("Column type 'name' could not
 *   be deserialized", prisma/orm#27403): we label them text;
 * - it rejects `"char"` (OID 18) columns, and the engine reads pg_constraint.contype with
 *   `get_expect_char`, so once a CHECK constraint exists it panics ("RuntimeError: unreachable"):
 *   we report those columns as the adapter protocol's Character type;
 * - its executeScript splits the script on `;` and runs the pieces on whatever pooled connection
 *   is free (breaks `$$` bodies and quoted semicolons, not atomic): we send the whole script as one
 *   simple query, as Prisma's native engine does;
 * - its shadow database spreads `database` over a config whose connectionString wins, so the
 *   "shadow" is the main database, and it drops the shadow before closing its pool: we point a
 *   rewritten URL at the shadow and close its pool first.
 *
 * Every pool has one connection so that the engine's session state (its advisory lock) stays on
 * one session. This leans on pg internals (result `fields`), hence it is confined to CLI use.
 */

type CliAdapter = Awaited<ReturnType<PrismaPg['connect']>>;
type Queryable = Pick<CliAdapter, 'queryRaw'>;

const CHAR_OID = 18;
const NAME_OID = 19;
const TEXT_OID = 25;
/** `ColumnTypeEnum.Character` of @prisma/driver-adapter-utils 6.19 (a transitive dependency). */
const CHARACTER_COLUMN = 6;

/** Indexes of the `"char"` columns of the last result the connection received. */
interface CharColumns {
  last: number[] | null;
}

function relabel(result: unknown, charColumns: CharColumns): unknown {
  if (Array.isArray(result)) return result.map((r) => relabel(r, charColumns));
  const fields = (result as { fields?: { dataTypeID: number }[] } | undefined)?.fields ?? [];
  const chars: number[] = [];
  fields.forEach((field, index) => {
    if (field.dataTypeID === CHAR_OID) chars.push(index);
    if (field.dataTypeID === CHAR_OID || field.dataTypeID === NAME_OID) field.dataTypeID = TEXT_OID;
  });
  charColumns.last = chars;
  return result;
}

function clientClass(charColumns: CharColumns): typeof pg.Client {
  return class CatalogFriendlyClient extends pg.Client {
    // pg's query() has many overloads (promise, callback, submittable); forward them all.
    // biome-ignore lint/suspicious/noExplicitAny: the override must accept every overload
    override query(...args: any[]): any {
      const last = args.at(-1);
      if (typeof last === 'function') {
        args[args.length - 1] = (err: Error | null, result: unknown) =>
          last(err, err ? result : relabel(result, charColumns));
      }
      const out: unknown = pg.Client.prototype.query.apply(this, args as never);
      return out instanceof Promise ? out.then((r) => relabel(r, charColumns)) : out;
    }
  };
}

/**
 * The adapter maps column types inside queryRaw, after the pg result is gone, so the client notes
 * the `"char"` columns on the side. Queries on a one-connection pool complete one at a time and
 * nothing else runs between a result arriving and its queryRaw returning, so `last` is this
 * query's.
 */
function reportCharColumns<T extends Queryable>(queryable: T, charColumns: CharColumns): T {
  const queryRaw = queryable.queryRaw.bind(queryable);
  queryable.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const index of charColumns.last ?? []) {
      result.columnTypes[index] = CHARACTER_COLUMN as (typeof result.columnTypes)[number];
    }
    charColumns.last = null;
    return result;
  };
  return queryable;
}

async function openAdapter(connectionString: string): Promise<CliAdapter> {
  const charColumns: CharColumns = { last: null };
  // allowExitOnIdle: the CLI does not dispose every adapter it opens; idle connections must not
  // keep it alive for pg's 10 s idle timeout.
  const pool = new pg.Pool({
    connectionString,
    max: 1,
    allowExitOnIdle: true,
    Client: clientClass(charColumns),
  });
  const adapter = reportCharColumns(
    await new PrismaPg(pool, { disposeExternalPool: true }).connect(),
    charColumns,
  );
  const startTransaction = adapter.startTransaction.bind(adapter);
  adapter.startTransaction = async (isolationLevel) =>
    reportCharColumns(await startTransaction(isolationLevel), charColumns);
  // An empty parameter list makes pg use the simple query protocol: one round trip, many
  // statements, one implicit transaction, errors mapped by the adapter.
  adapter.executeScript = async (script: string) => {
    await adapter.executeRaw({ sql: script, args: [], argTypes: [] });
  };
  return adapter;
}

function withDatabase(connectionString: string, database: string): string {
  const url = new URL(connectionString);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

export class PrismaCliPg extends PrismaPg {
  readonly #connectionString: string | undefined;

  /** `connectionString` may be undefined for commands that never connect (`generate`). */
  constructor(connectionString: string | undefined) {
    super({ connectionString });
    this.#connectionString = connectionString;
  }

  #url(): string {
    if (!this.#connectionString) {
      throw new Error('DATABASE_URL must be set for Prisma CLI commands that connect to a database');
    }
    return this.#connectionString;
  }

  override async connect(): Promise<CliAdapter> {
    return openAdapter(this.#url());
  }

  override async connectToShadowDb(): Promise<CliAdapter> {
    const admin = await openAdapter(this.#url());
    const database = `prisma_migrate_shadow_db_${randomUUID()}`;
    const dropShadow = async () => {
      await admin.executeScript(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await admin.dispose();
    };
    try {
      await admin.executeScript(`CREATE DATABASE "${database}"`);
      const shadow = await openAdapter(withDatabase(this.#url(), database));
      const closeShadow = shadow.dispose.bind(shadow);
      shadow.dispose = async () => {
        await closeShadow();
        await dropShadow();
      };
      return shadow;
    } catch (error) {
      await dropShadow();
      throw error;
    }
  }
}
