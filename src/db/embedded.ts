import fs from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { Logger } from '../logger.ts';
import { CALL_EVENTS_CHANNEL, type NotificationSource, tapNotifications } from './notification-tap.ts';

/**
 * Postgres with no server to install: PGlite (Postgres compiled to WASM, in this process) keeps
 * its files in `dataDir`, and pglite-socket serves the Postgres wire protocol on loopback, so the
 * app reaches it through the same pg / adapter-pg code as a real server.
 *
 * Connection limits (pglite-socket 0.2.17): connections beyond the server's `maxConnections` are
 * not queued but closed at once ("Connection terminated unexpectedly"). More than one connection
 * does work: every protocol message goes through one queue, and while a connection is inside an
 * explicit transaction only that connection's messages run (the others wait, they are not
 * refused). So several connections add no throughput; they only spare callers from being
 * refused. We open the server wider than what we hand out, so that a short-lived extra
 * connection (the migrator, a CLI, a socket the server has not yet seen close) never pushes it
 * over: pools must cap their `max` at the returned `maxConnections`.
 *
 * Two processes opening one data directory would corrupt it and PGlite does not prevent it, so a
 * pid lock file next to the directory does.
 */

/** Connections a pool may hold (the returned `maxConnections`). */
const POOL_CONNECTIONS = 8;
/** Headroom for one-off connections beside the pool; see above. */
const SPARE_CONNECTIONS = 4;

export interface EmbeddedPostgresOptions {
  dataDir: string;
  host: string;
  /** 0 picks a free port; the connection string carries the real one. */
  port: number;
  logger: Logger;
}

export interface EmbeddedPostgres {
  connectionString: string;
  /** The most connections a pool may open at once (pg `max`); more are refused, not queued. */
  maxConnections: number;
  /** NOTIFYs committed in this database, heard in process (socket clients cannot LISTEN here). */
  notifications: NotificationSource;
  /** Closes every connection and the database so that everything written is on disk. */
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { host, port, logger } = options;
  const dataDir = path.resolve(options.dataDir);
  const started = performance.now();
  await fs.mkdir(path.dirname(dataDir), { recursive: true });
  const unlock = await lockDataDir(dataDir);
  let db: PGlite | undefined;
  try {
    db = await PGlite.create({ dataDir });
    const server = new PGLiteSocketServer({
      db,
      host,
      port,
      maxConnections: POOL_CONNECTIONS + SPARE_CONNECTIONS,
    });
    const notifications = await tapNotifications(server, [CALL_EVENTS_CHANNEL]);
    server.addEventListener('error', (event) =>
      logger.warn({ err: (event as CustomEvent<unknown>).detail }, 'embedded database connection error'),
    );
    await server.start();
    const connectionString = toConnectionString(server.getServerConn());
    // Published so a one-off command (e.g. `npm run keys:create`) can reach the database while
    // this process holds the lock, instead of opening the directory a second time.
    await fs.writeFile(endpointFile(dataDir), connectionString, { mode: 0o600 });
    logger.info(
      { dataDir, address: server.getServerConn(), ms: Math.round(performance.now() - started) },
      'embedded database started',
    );
    return {
      connectionString,
      maxConnections: POOL_CONNECTIONS,
      notifications,
      stop: once(() => stop(server, db, dataDir, unlock, logger)),
    };
  } catch (err) {
    await db?.close().catch(() => {});
    await unlock();
    throw err;
  }
}

function endpointFile(dataDir: string): string {
  return `${dataDir}.endpoint`;
}

/**
 * The loopback connection string of the embedded database that another live process serves from
 * `dataDir`, or undefined when no process holds it (then the caller may start it itself).
 */
export async function runningEmbeddedEndpoint(dataDir: string): Promise<string | undefined> {
  const resolved = path.resolve(dataDir);
  const owner = Number.parseInt(await fs.readFile(`${resolved}.lock`, 'utf8').catch(() => ''), 10);
  if (!owner || !isRunning(owner)) return undefined;
  return (await fs.readFile(endpointFile(resolved), 'utf8').catch(() => '')).trim() || undefined;
}

async function stop(
  server: PGLiteSocketServer,
  db: PGlite | undefined,
  dataDir: string,
  unlock: () => Promise<void>,
  logger: Logger,
) {
  try {
    await server.stop();
    // stop() detaches connections without waiting; a detach may still roll back an open
    // transaction, which must reach the database before it closes.
    await new Promise((resolve) => setImmediate(resolve));
    await db?.close();
    logger.info('embedded database stopped');
  } finally {
    await fs.rm(endpointFile(dataDir), { force: true });
    await unlock();
  }
}

/** `getServerConn()` gives `host:port`; IPv6 hosts need brackets in a URL. */
function toConnectionString(serverConn: string): string {
  const colon = serverConn.lastIndexOf(':');
  const host = serverConn.slice(0, colon);
  const port = serverConn.slice(colon + 1);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  // PGlite has one database and no authentication; the names only satisfy the protocol.
  return `postgresql://postgres@${urlHost}:${port}/postgres?sslmode=disable`;
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => {
    running ??= fn();
    return running;
  };
}

const openInThisProcess = new Set<string>();

/**
 * Creates `<dataDir>.lock` holding our pid. A lock left by a process that no longer runs (or by a
 * previous life of this pid, e.g. pid 1 in a container) is taken over.
 */
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const lockFile = `${dataDir}.lock`;
  if (openInThisProcess.has(dataDir)) throw new Error(`the embedded database in ${dataDir} is already open`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await fs.writeFile(lockFile, String(process.pid), { flag: 'wx' });
      openInThisProcess.add(dataDir);
      return async () => {
        openInThisProcess.delete(dataDir);
        await fs.rm(lockFile, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number.parseInt(await fs.readFile(lockFile, 'utf8').catch(() => ''), 10);
      if (owner && owner !== process.pid && isRunning(owner)) {
        throw new Error(`the embedded database in ${dataDir} is in use by process ${owner} (${lockFile})`);
      }
      await fs.rm(lockFile, { force: true });
    }
  }
  throw new Error(`cannot lock the embedded database directory (${lockFile})`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
