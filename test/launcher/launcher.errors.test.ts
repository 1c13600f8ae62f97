import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../support/database.ts';
import { writeEphemeralDevConfig } from '../support/dev-config-file.ts';
import { spawnLauncher } from '../support/launcher.ts';

/** Every start-up failure ends with one clear line on stderr and exit code 1, never a stack. */
describe('launcher start-up errors', () => {
  let root: string;
  let db: { url: string; drop(): Promise<void> };
  let busy: net.Server;
  let busyPort: number;
  let closedPort: number;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-launcher-err-'));
    db = await createTestDatabase();
    busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    busyPort = (busy.address() as net.AddressInfo).port;
    closedPort = await freePortThenClose();
  });

  afterAll(async () => {
    await new Promise((resolve) => busy.close(resolve));
    await db.drop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** External Temporal and Postgres: the fast path, no dev server or PGlite to start. */
  const external = () => ({
    DATA_DIR: path.join(root, 'data'),
    TEMPORAL_ADDRESS: inject('temporal').address,
    TEMPORAL_NAMESPACE: inject('temporal').namespace,
    DATABASE_URL: db.url,
    API_PORT: '0',
    REALTIME_PORT: '0',
    LOG_LEVEL: 'silent',
  });

  async function failure(env: Record<string, string>): Promise<string> {
    const launcher = spawnLauncher(env);
    expect(await launcher.exited).toBe(1);
    const lines = launcher.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/\n\s+at /);
    return lines[0] as string;
  }

  it('names an invalid variable', async () => {
    expect(await failure({ ...external(), API_PORT: 'eighty' })).toMatch(
      /^switchboard: invalid configuration: API_PORT/,
    );
  });

  it('names the problem in a malformed temporal-dev.yml', async () => {
    const dir = fs.mkdtempSync(path.join(root, 'yml-'));
    const file = writeEphemeralDevConfig(dir, { port: 'seven' });
    const line = await failure({ ...external(), TEMPORAL_ADDRESS: '', TEMPORAL_DEV_CONFIG: file });
    expect(line).toContain('temporal-dev.yml');
    expect(line).toMatch(/port/);
  });

  it('says which port is taken', async () => {
    const line = await failure({ ...external(), API_PORT: String(busyPort) });
    expect(line).toMatch(new RegExp(`port ${busyPort} .*already in use.*API_PORT`));
  });

  it('says the database is unreachable', async () => {
    const line = await failure({
      ...external(),
      DATABASE_URL: `postgres://x:y@127.0.0.1:${closedPort}/none`,
    });
    expect(line).toMatch(/database/i);
  });

  it('says Temporal is unreachable', async () => {
    const line = await failure({ ...external(), TEMPORAL_ADDRESS: `127.0.0.1:${closedPort}` });
    expect(line).toMatch(/Temporal/);
  });
});

/** A port nothing listens on, so connections are refused at once. */
async function freePortThenClose(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
