import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { Client, type Connection } from '@temporalio/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { checkTemporalHealth, connectTemporal } from '../../src/temporal/connection.ts';
import { type DevServerConfig, loadDevConfig } from '../../src/temporal/dev-config.ts';
import { type DevServer, DevServerError, startDevServer } from '../../src/temporal/dev-server.ts';
import { probePort } from '../../src/temporal/ports.ts';
import {
  captureLogger,
  DEV_CONFIG_PATH,
  isAlive,
  makeTempDir,
  REPO_ROOT,
  type TempDir,
  testCliPath,
  waitForExit,
  writeScript,
} from './support.ts';

const logger = createLogger('silent');
const repoConfig = loadDevConfig(DEV_CONFIG_PATH);

async function listSearchAttributes(
  connection: Connection,
  namespace: string,
): Promise<Record<string, number>> {
  const res = await connection.operatorService.listSearchAttributes({ namespace });
  return res.customAttributes as Record<string, number>;
}

describe('a dev server from temporal-dev.yml on ephemeral ports', () => {
  let tmp: TempDir;
  let server: DevServer;
  let connection: Connection;

  // Temp dirs are made in beforeAll, not at collection, so a filtered run (-t) leaves nothing behind.
  beforeAll(async () => {
    tmp = makeTempDir('dev-server');
    server = await startDevServer({
      cliPath: await testCliPath(),
      config: repoConfig,
      dataDir: tmp.dir,
      overrides: { port: 0 },
      logger,
    });
    connection = await connectTemporal({ address: server.address, namespace: server.namespace });
  });
  afterAll(async () => {
    await connection?.close();
    await server?.stop();
    tmp?.remove();
  });

  it('listens on loopback ports other than the defaults, with its db file under the data dir', () => {
    expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(server.address).not.toBe('127.0.0.1:7233');
    expect(server.uiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.uiUrl).not.toBe('http://127.0.0.1:8233');
    expect(server.namespace).toBe('switchboard');
    expect(fs.existsSync(path.join(tmp.dir, repoConfig.dbFile))).toBe(true);
  });

  it('opens its db file with the configured pragmas (WAL: a -wal file beside it)', () => {
    expect(repoConfig.sqlitePragmas.journal_mode).toBe('WAL');
    expect(fs.existsSync(`${path.join(tmp.dir, repoConfig.dbFile)}-wal`)).toBe(true);
  });

  it('is healthy and serves the configured namespace', async () => {
    await expect(checkTemporalHealth(connection, 'switchboard')).resolves.toBeUndefined();
  });

  it('explains a namespace that does not exist', async () => {
    await expect(checkTemporalHealth(connection, 'no-such-namespace')).rejects.toThrow(
      `Temporal namespace "no-such-namespace" does not exist at ${server.address}`,
    );
  });

  it('has every configured search attribute with its type', async () => {
    const attrs = await listSearchAttributes(connection, server.namespace);
    const KEYWORD = 2; // temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
    for (const name of Object.keys(repoConfig.searchAttributes)) expect(attrs[name]).toBe(KEYWORD);
  });

  it('serves the web UI', async () => {
    const res = await fetch(server.uiUrl as string);
    expect(res.status).toBe(200);
  });

  it('applies the dynamic config (limit.maxIDLength=255)', async () => {
    const client = new Client({ connection, namespace: server.namespace });
    const start = (workflowId: string) =>
      client.workflow.start('nobodyRunsThis', { taskQueue: 'none', workflowId });
    const tooLong = await start('x'.repeat(256)).then(
      () => undefined,
      (err: Error) => err,
    );
    // The SDK wraps the gRPC INVALID_ARGUMENT; the server's reason is in the cause.
    expect(String((tooLong?.cause as Error | undefined)?.message)).toMatch(
      /INVALID_ARGUMENT: WorkflowId length/,
    );
    const handle = await start('y'.repeat(255));
    await handle.terminate('test done');
  });

  it('stop() ends the process, frees its ports and can be called again', async () => {
    const port = Number(server.address.split(':')[1]);
    await server.stop();
    expect(isAlive(server.pid)).toBe(false);
    await expect(probePort('127.0.0.1', port)).resolves.toBeUndefined();
    await expect(server.stop()).resolves.toBeUndefined();
  });
});

describe('restarting on the same db file', () => {
  let tmp: TempDir;
  beforeAll(() => {
    tmp = makeTempDir('dev-server-restart');
  });
  let server: DevServer | undefined;
  afterEach(async () => server?.stop());
  afterAll(() => tmp?.remove());

  it('registers a search attribute added to the config after the namespace was created', async () => {
    const cliPath = await testCliPath();
    const base: DevServerConfig = { ...repoConfig, ui: false, searchAttributes: { CallSid: 'Keyword' } };
    const start = (config: DevServerConfig) =>
      startDevServer({ cliPath, config, dataDir: tmp.dir, overrides: { port: 0 }, logger });

    server = await start(base);
    await server.stop();
    const { logger: capturing, lines } = captureLogger();
    const grown: DevServerConfig = {
      ...base,
      searchAttributes: { CallSid: 'Keyword', LateAttribute: 'Int' },
    };
    server = await startDevServer({
      cliPath,
      config: grown,
      dataDir: tmp.dir,
      overrides: { port: 0 },
      logger: capturing,
    });

    const connection = await connectTemporal({ address: server.address, namespace: server.namespace });
    const attrs = await listSearchAttributes(connection, server.namespace).finally(() => connection.close());
    expect(attrs.LateAttribute).toBe(3); // INDEXED_VALUE_TYPE_INT
    // The CLI ignores --search-attribute for an existing namespace: our registration added it.
    const registered = lines.find((l) => l.msg === 'registered missing search attributes');
    expect(registered?.added).toEqual(['LateAttribute']);
  });
});

describe('start-up failures', () => {
  let tmp: TempDir;
  beforeAll(() => {
    tmp = makeTempDir('dev-server-fail');
  });
  const blockers: net.Server[] = [];
  afterAll(async () => {
    await Promise.all(blockers.map((b) => new Promise((resolve) => b.close(resolve))));
    tmp?.remove();
  });

  async function occupyPort(): Promise<number> {
    const blocker = net.createServer();
    blockers.push(blocker);
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    return (blocker.address() as net.AddressInfo).port;
  }

  it.each(['gRPC', 'UI'] as const)(
    'fails fast with a clear message when the %s port is taken',
    async (which) => {
      const taken = await occupyPort();
      const overrides = which === 'gRPC' ? { port: taken } : { port: 0, uiPort: taken };
      const startedAt = Date.now();
      const attempt = startDevServer({
        cliPath: await testCliPath(),
        config: { ...repoConfig, ui: true },
        dataDir: tmp.dir,
        overrides,
        logger,
      });
      await expect(attempt).rejects.toThrow(DevServerError);
      await expect(attempt).rejects.toThrow(
        `Temporal dev server: ${which} port ${taken} on 127.0.0.1 is already in use`,
      );
      expect(Date.now() - startedAt).toBeLessThan(2_000);
    },
  );

  it('fails early with the last output lines when the process exits', async () => {
    const cliPath = writeScript(
      path.join(tmp.dir, 'exits'),
      'echo "starting"; echo "Error: boom" >&2; exit 3',
    );
    const { logger: capturing, lines } = captureLogger();
    const attempt = startDevServer({
      cliPath,
      config: repoConfig,
      dataDir: tmp.dir,
      overrides: { port: 0 },
      logger: capturing,
    });
    await expect(attempt).rejects.toThrow(
      /exited with code 3 before becoming healthy; last output:\n.*Error: boom/s,
    );
    expect(lines.find((l) => l.msg === 'Error: boom')?.level).toBe(40); // warn
  });

  it('times out, naming the address, and kills a process that never becomes healthy', async () => {
    const pidFile = path.join(tmp.dir, 'hang.pid');
    const cliPath = writeScript(path.join(tmp.dir, 'hangs'), `echo $$ > "${pidFile}"; exec sleep 60`);
    const attempt = startDevServer({
      cliPath,
      config: repoConfig,
      dataDir: tmp.dir,
      overrides: { port: 0 },
      logger,
      readyTimeoutMs: 1_000,
    });
    await expect(attempt).rejects.toThrow(
      /Temporal dev server at 127\.0\.0\.1:\d+ not healthy within 1000 ms/,
    );
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    expect(isAlive(pid)).toBe(false);
  });
});

describe('orphan guard', () => {
  let tmp: TempDir;
  beforeAll(() => {
    tmp = makeTempDir('dev-server-orphan');
  });
  let holder: ChildProcess | undefined;
  let serverPid: number | undefined;
  afterAll(async () => {
    holder?.kill('SIGKILL');
    if (serverPid !== undefined && isAlive(serverPid)) process.kill(serverPid, 'SIGKILL');
    tmp?.remove();
  });

  it('stops the dev server when the process that started it is SIGKILLed', async () => {
    const fixture = path.join(REPO_ROOT, 'test/temporal/fixtures/hold-dev-server.ts');
    holder = spawn(
      process.execPath,
      ['--import', 'tsx', fixture, await testCliPath(), DEV_CONFIG_PATH, tmp.dir],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const firstLine = await new Promise<string>((resolve, reject) => {
      readline.createInterface({ input: holder?.stdout as NodeJS.ReadableStream }).once('line', resolve);
      holder?.once('exit', (code) => reject(new Error(`fixture exited with ${code}`)));
    });
    serverPid = (JSON.parse(firstLine) as { pid: number }).pid;
    expect(isAlive(serverPid)).toBe(true);

    holder.kill('SIGKILL');
    expect(await waitForExit(serverPid, 15_000)).toBe(true);
  });
});
